import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launchChromium } from '../browser.js';
import { worstRelativeError } from '../helpers.js';

// A Kiln model to ONNX Runtime in a web page: one page (bundled by esbuild, as an app would be)
// builds LeNet-5 with Kiln, exports it to ONNX in the browser and runs the bytes in onnxruntime-web
// (its WebAssembly build); both give the same outputs.

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ORT_DIST = join(root, 'node_modules', 'onnxruntime-web', 'dist');
const PAGE = `
import * as kiln from '${join(root, 'dist', 'index.js')}';
import * as ort from 'onnxruntime-web/wasm';
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = '/ort/';
try {
  await kiln.ready();
  kiln.manualSeed(0);
  const model = kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
  const x = kiln.randn([3, 1, 28, 28]);
  const ours = await kiln.predict(model, x);
  const bytes = await kiln.exportOnnx(model, { inputShape: [1, 28, 28] });
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(await x.data()), x.shape) });
  window.result = { backend: kiln.getBackend(), ours: Array.from(await ours.data()), theirs: Array.from(out.output.data), dims: out.output.dims };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
`;

describe.runIf(HAVE_CHROMIUM)('a Kiln model in onnxruntime-web, in Chromium', () => {
  let server: Server, browser: Browser, url = '';
  const dir = mkdtempSync(join(tmpdir(), 'kiln-onnx-web-'));
  beforeAll(async () => {
    writeFileSync(join(dir, 'page.js'), PAGE);
    await build({ entryPoints: [join(dir, 'page.js')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bundle.js'), logLevel: 'error', nodePaths: [join(root, 'node_modules')] });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="bundle.js"></script>');
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const file = path.startsWith('/ort/') ? join(ORT_DIST, path.slice(5)) : join(dir, path === '/' ? 'index.html' : path.slice(1));
      try {
        const body = readFileSync(file);
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports LeNet-5 in the page and onnxruntime-web gives Kiln\'s outputs', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { result: { error?: string; backend: string; ours: number[]; theirs: number[]; dims: number[] } }).result);
    expect(result.error, result.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result.dims).toEqual([3, 10]);
    expect(result.backend).toBe('wasm');
    expect(worstRelativeError(result.theirs, result.ours)).toBeLessThan(1e-5);
    await page.close();
  }, 120_000);
});
