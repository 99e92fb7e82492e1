import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import * as kiln from './index.js';
import { FormatError } from './index.js';

const { nn, manualSeed } = kiln;
const tmp = (): string => tempDir('kiln-io-');
/** The weights file model.json points to. */
const weightsOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weights: { file: string } }).weights.file;

function model(): kiln.nn.Sequential {
  manualSeed(0);
  return new nn.Sequential(new nn.Linear(2, 5), new nn.LeakyReLU(0.1), new nn.Dropout(0.2), new nn.Linear(5, 3), new nn.PReLU(), new nn.Softmax(1));
}

describe('save and load', () => {
  it('round-trips a model that then predicts identically', async () => {
    const m = model();
    const dir = join(tmp(), 'nested', 'out');
    await kiln.save(m, dir, { metadata: { note: 'test' } });
    expect(readdirSync(dir).sort()).toEqual(['model.json', weightsOf(dir)]);
    expect(weightsOf(dir)).toMatch(/^weights-[0-9a-f]{8}\.safetensors$/);
    const { model: again, metadata } = await kiln.loadWithMetadata(dir);
    expect(metadata).toEqual({ note: 'test' });
    const x = kiln.randn([7, 2]);
    expect(Array.from((await kiln.predict(again, x)).values)).toEqual(Array.from((await kiln.predict(m, x)).values));
    expect(again.toConfig()).toEqual(m.toConfig());
  });

  it('round-trips a one-file model (the playground download) through kiln.load, and refuses broken ones', async () => {
    const m = model();
    const bytes = kiln.serializeModelFile(m, { dataset: 'flower' });
    const file = join(tmp(), 'model.safetensors');
    writeFileSync(file, bytes);
    const { model: again, metadata } = await kiln.loadWithMetadata(file);
    expect(metadata).toEqual({ dataset: 'flower' });
    const x = kiln.randn([5, 2]);
    expect(Array.from((await kiln.predict(again, x)).values)).toEqual(Array.from((await kiln.predict(m, x)).values));
    // Truncated, weights-only, and a model whose weights do not fit its architecture.
    expect(() => kiln.deserializeModelFile(bytes.subarray(0, bytes.length - 3), 'm.safetensors')).toThrow(/m.safetensors: not a valid safetensors file: .*truncated/);
    expect(() => kiln.deserializeModelFile(kiln.encodeSafetensors(m.stateDict()))).toThrow(/without a Kiln model in its metadata/);
    const doc = { format: 'kiln-model', version: 1, architecture: new nn.Sequential(new nn.Linear(2, 4)).toConfig(), metadata: {} };
    const wrong = kiln.encodeSafetensors(m.stateDict(), { 'kiln.model': JSON.stringify(doc) });
    expect(() => kiln.deserializeModelFile(wrong)).toThrow(FormatError);
    await expect(kiln.load(join(tmp(), 'missing.safetensors'))).rejects.toThrow(/load: cannot read .*missing.safetensors/);
  });

  it('writes a safetensors file as the reference layout describes', async () => {
    const dir = tmp();
    await kiln.save(model(), dir);
    const bytes = readFileSync(join(dir, weightsOf(dir)));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(header['0.weight']).toEqual({ dtype: 'F32', shape: [5, 2], data_offsets: [0, 40] });
    expect((8 + n) % 8).toBe(0);
    const w = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n, bytes.byteOffset + 8 + n + 40));
    expect(Array.from(w)).toEqual(Array.from((model().layers[0] as kiln.nn.Linear).weight.values));
  });

  it('overwrites atomically and leaves no temporary files', async () => {
    const dir = tmp();
    await kiln.save(model(), dir);
    await kiln.save(model(), dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', weightsOf(dir)]);
  });

  it('refuses a truncated weights file with a FormatError', async () => {
    const dir = tmp();
    await kiln.save(model(), dir);
    const path = join(dir, weightsOf(dir));
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    await expect(kiln.load(dir)).rejects.toThrow(FormatError);
    await expect(kiln.load(dir)).rejects.toThrow(/truncated, changed, or from another save/);
  });

  it('refuses hostile or broken safetensors without crashing or allocating', () => {
    const enc = kiln.encodeSafetensors({ w: kiln.ones([2, 3]) });
    const withHeader = (h: object, data = new Uint8Array(24)): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    };
    const bad = (bytes: Uint8Array): (() => unknown) => () => kiln.decodeSafetensors(bytes);
    expect(kiln.decodeSafetensors(enc).tensors.w!.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(bad(enc.subarray(0, 5))).toThrow(/shorter than the 8-byte header length/);
    const huge = enc.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(bad(huge)).toThrow(/the header claims/);
    expect(bad(withHeader({ w: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 24] } }))).toThrow(/needs .* bytes but its offsets give 24/);
    expect(bad(withHeader({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 2400] } }))).toThrow(/data section has 24 bytes/);
    expect(bad(withHeader({ w: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 24] } }))).toThrow(/Kiln reads F32, F64, I32 and I64 \(as int32\)/);
    // PyTorch's int64 (batch norm's num_batches_tracked) reads as int32; a value beyond int32 is refused.
    const int64 = new Uint8Array(new BigInt64Array([7n, -3n, 2n ** 40n]).buffer);
    expect(Array.from(kiln.decodeSafetensors(withHeader({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, int64.subarray(0, 16))).tensors.n!.dataSync())).toEqual([7, -3]);
    expect(bad(withHeader({ n: { dtype: 'I64', shape: [3], data_offsets: [0, 24] } }, int64))).toThrow(/tensor "n" holds the 64-bit integer 1099511627776, beyond the int32 Kiln keeps integers in/);
    expect(bad(withHeader({ w: { dtype: 'F32', shape: [-2, 3], data_offsets: [0, 24] } }))).toThrow(/invalid shape/);
    expect(bad(withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { dtype: 'F32', shape: [3], data_offsets: [8, 20] } }))).toThrow(/overlapping/);
    expect(bad(withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }))).toThrow(/belong to no tensor/);
    const notJson = enc.slice();
    notJson[9] = 0xff;
    expect(bad(notJson)).toThrow(FormatError);
  });

  it('refuses a model.json that is not Kiln\'s or does not fit the weights', async () => {
    const dir = tmp();
    await kiln.save(model(), dir);
    const path = join(dir, 'model.json');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...doc, version: 99 }));
    await expect(kiln.load(dir)).rejects.toThrow(/version 99 is not supported/);
    writeFileSync(path, '{ nope');
    await expect(kiln.load(dir)).rejects.toThrow(/not JSON/);
    writeFileSync(path, JSON.stringify({ ...doc, architecture: { type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 3, outFeatures: 5 }] } }));
    await expect(kiln.load(dir)).rejects.toThrow(/does not fit the architecture/);
    await expect(kiln.load(join(dir, 'nowhere'))).rejects.toThrow(/cannot read/);
    expect(readdirSync(dir).some((f) => /^weights-/.test(f))).toBe(true);
  });
});

describe('load by the path of model.json', () => {
  it('loads the directory it belongs to', async () => {
    const dir = tmp();
    await kiln.save(model(), dir, { metadata: { via: 'model.json' } });
    expect((await kiln.loadWithMetadata(join(dir, 'model.json'))).metadata).toEqual({ via: 'model.json' });
  });
});
