import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { FormatError } from '../index.js';

// The universal load: what a web page has (bytes, a File, a Response, a URL), here served by a
// local HTTP server as a page would fetch it.

const { nn, manualSeed } = kiln;

function model(): kiln.nn.Sequential {
  manualSeed(0);
  return new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1));
}

describe('load from bytes, a File, a Response or a URL', () => {
  const m = model();
  const oneFile = kiln.serializeModelFile(m, { from: 'test' });
  const { json, weights, weightsFile } = kiln.serializeModel(m, { pair: true });
  const hostile = JSON.stringify({ ...JSON.parse(json), weights: { ...JSON.parse(json).weights, file: 'http://elsewhere.invalid/x' } });
  const files: Record<string, Uint8Array | string> = {
    '/m.safetensors': oneFile, '/dir/model.json': json, [`/dir/${weightsFile}`]: weights,
    '/evil/model.json': hostile, '/evil/weights.safetensors': weights,
  };
  const requested: string[] = [];
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      requested.push(req.url!);
      const body = files[req.url!];
      res.statusCode = body === undefined ? 404 : 200;
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  const x = kiln.randn([5, 2]);
  const same = async (again: kiln.nn.Module): Promise<void> => {
    expect(Array.from((await kiln.predict(again, x)).values)).toEqual(Array.from((await kiln.predict(m, x)).values));
  };

  it('reads a one-file model from bytes, an ArrayBuffer, a Blob, a File and a Response', async () => {
    await same(await kiln.load(oneFile));
    await same(await kiln.load(oneFile.slice().buffer));
    await same(await kiln.load(new Blob([oneFile.slice()])));
    const { model: fromFile, metadata } = await kiln.loadWithMetadata(new File([oneFile.slice()], 'download.safetensors'));
    expect(metadata).toEqual({ from: 'test' });
    await same(fromFile);
    await same(await kiln.load(new Response(oneFile.slice())));
  });

  it('fetches a one-file model, or a model.json with its weights beside it, by URL', async () => {
    await same(await kiln.load(`${base}/m.safetensors`));
    const { model: pair, metadata } = await kiln.loadWithMetadata(new URL(`${base}/dir/model.json`));
    expect(metadata).toEqual({ pair: true });
    await same(pair);
  });

  it('refuses a weights address that is not a weights file beside model.json, and says what is wrong', async () => {
    requested.length = 0;
    await expect(kiln.load(`${base}/evil/model.json`)).rejects.toThrow('model.json: the weights file must be named weights.safetensors or weights-<checksum>.safetensors beside it, got "http://elsewhere.invalid/x"');
    expect(requested).toEqual(['/evil/model.json']);
    await expect(kiln.load(`${base}/nothing.safetensors`)).rejects.toThrow(/load: fetching .*nothing.safetensors failed: 404/);
    await expect(kiln.load(new TextEncoder().encode(json))).rejects.toThrow(/is a model.json, which needs its weights.safetensors; pass the URL of model.json/);
    await expect(kiln.load(new Blob(['not a model at all']))).rejects.toThrow(FormatError);
    await expect(kiln.load(42 as never)).rejects.toThrow('load: cannot read [object Number]; pass bytes (Uint8Array or ArrayBuffer), a Blob or File, a Response or a URL');
    await expect(kiln.load('relative/model.json')).rejects.toThrow(/kiln-ml\/node/);
  });
});
