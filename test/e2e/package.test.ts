import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launchChromium } from '../browser.js';

// Kiln as a user gets it: `npm pack` (of the dist/ that `npm test` has just built), the tarball
// installed into a fresh project, the examples run there: the Node script as it is, the browser app
// bundled by Vite, esbuild and webpack with no configuration and run in Chromium.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const MB = 1024 * 1024;

let project = '';
let webpackDir = '';
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

/** Runs a command in the project; returns its output, failing with it on a non-zero exit. */
async function sh(cmd: string, args: string[], cwd = project): Promise<string> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, maxBuffer: 64 * MB, env: { ...process.env, NO_COLOR: '1' } });
    return stdout + stderr;
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}

/** Total bytes of the files under `dir`. */
function du(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

describe('the packed package, installed in a fresh project', () => {
  const made: string[] = [];
  /** A temporary folder that lives as long as this file's tests. */
  const scratch = (prefix: string): string => { const d = mkdtempSync(join(tmpdir(), prefix)); made.push(d); return d; };
  afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

  beforeAll(async () => {
    const packDir = scratch('kiln-pack-');
    // dist/ is fresh from `npm test`'s build; `prepack` (a full build) is checked below instead.
    const out = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], root);
    packed = (JSON.parse(out.slice(out.indexOf('['))) as (typeof packed)[])[0]!;
    project = scratch('kiln-app-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({
      name: 'kiln-user-app', private: true, type: 'module',
      dependencies: { 'kiln-ml': `file:${join(packDir, packed.filename)}` },
    }, null, 2));
    for (const f of ['index.html', 'main.js']) copyFileSync(join(root, 'examples', 'browser', f), join(project, f));
    copyFileSync(join(root, 'examples', 'node', 'train.mjs'), join(project, 'train.mjs'));
    // webpack, the third bundler, comes from the registry into a folder of its own (Vite and esbuild
    // are this repository's), so that the project's node_modules holds only Kiln and what it needs.
    webpackDir = scratch('kiln-webpack-');
    writeFileSync(join(webpackDir, 'package.json'), JSON.stringify({ name: 'bundler', private: true }));
    const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'];
    await Promise.all([sh('npm', install), sh('npm', [...install, 'webpack@5', 'webpack-cli@6'], webpackDir)]);
  }, 300_000);

  it('packs what users need and nothing else, and builds before packing', () => {
    const files = packed.files.map((f) => f.path);
    for (const need of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/node/index.js', 'dist/cli/main.js', 'dist/data/digits.kld', 'dist/playground/index.html', 'src/index.ts']) {
      expect(files, need).toContain(need);
    }
    expect(files.filter((f) => /\.test\.|\.wasm$|^test\/|^bench\/|^scripts\//.test(f))).toEqual([]);
    // The digits ship once (the playground's digits worker is code, not data).
    expect(files.filter((f) => f.endsWith('.kld'))).toEqual(['dist/data/digits.kld']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepack).toBe('npm run build');
    console.log(`packed ${(packed.size / MB).toFixed(2)} MB, unpacked ${(packed.unpackedSize / MB).toFixed(2)} MB, ${files.length} files`);
  });

  it('installs under 10 MB with its dependencies, with maps that resolve to shipped sources', () => {
    const installed = du(join(project, 'node_modules'));
    console.log(`installed: ${(installed / MB).toFixed(2)} MB with dependencies`);
    expect(installed).toBeLessThan(10 * MB);
    const dist = join(project, 'node_modules', 'kiln-ml', 'dist');
    const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(100);
    expect(maps.some((f) => f.endsWith('.d.ts.map'))).toBe(true);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(dist, map), 'utf8')) as { sources: string[] };
      for (const s of sources) expect(existsSync(resolve(dist, dirname(map), s)), `${map} → ${s}`).toBe(true);
    }
    // No literal base64 types in the declarations (they would repeat the kernels' bytes): the
    // kernels' typed interface, and the bytes typed as plain strings.
    const kernelTypes = readFileSync(join(dist, 'backend', 'wasm', 'kernels.generated.d.ts'), 'utf8');
    expect(kernelTypes).toMatch(/export interface KernelExports/);
    expect(kernelTypes).toMatch(/KERNELS_RELAXED_BASE64: string;/);
    expect(Math.max(...kernelTypes.split('\n').map((l) => l.length))).toBeLessThan(1000);
  });

  it('runs the Node example: trains, saves, loads and predicts', async () => {
    const out = await sh(process.execPath, ['train.mjs', join(project, 'model')]);
    expect(out).toMatch(/saved to .*model, loaded back/);
    expect(Number(/final test accuracy ([\d.]+)%/.exec(out)![1])).toBeGreaterThan(85);
    expect(readdirSync(join(project, 'model')).sort()).toEqual(['model.json', expect.stringMatching(/^weights-[0-9a-f]{8}\.safetensors$/)]);
  }, 120_000);

  it('loads from CommonJS through require() (Node 20.19 and later), and exports its package.json', async () => {
    writeFileSync(join(project, 'require.cjs'), [
      "const kiln = require('kiln-ml');",
      "const node = require('kiln-ml/node');",
      "const { version } = require('kiln-ml/package.json');",
      'console.log(version, kiln.tensor([[1, 2]]).sum().item(), typeof node.save);',
    ].join('\n'));
    const out = await sh(process.execPath, ['require.cjs']);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+ 3 function$/);
  });

  it('bundles the browser example with Vite, esbuild and webpack, with no configuration and no warnings', async () => {
    const vite = await sh(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', 'dist-vite', '--logLevel', 'warn']);
    expect(vite.trim()).toBe('');
    const esbuild = await sh(join(root, 'node_modules', '.bin', 'esbuild'), ['main.js', '--bundle', '--platform=browser', '--format=esm', '--outdir=dist-esbuild', '--log-level=warning']);
    expect(esbuild.trim()).toBe('');
    copyFileSync(join(project, 'index.html'), join(project, 'dist-esbuild', 'index.html'));
    const webpack = await sh(process.execPath, [join(webpackDir, 'node_modules', 'webpack-cli', 'bin', 'cli.js'), '--mode', 'production', '--entry', './main.js', '--output-path', 'dist-webpack', '--output-filename', 'main.js', '--no-stats']);
    expect(webpack.trim()).toBe('');
    copyFileSync(join(project, 'index.html'), join(project, 'dist-webpack', 'index.html'));
    // No bundle holds Node's modules or the digits (1.6 MB that only mnist() reads, from a URL).
    for (const dir of ['dist-vite', 'dist-esbuild', 'dist-webpack']) {
      const files = readdirSync(join(project, dir), { recursive: true, encoding: 'utf8' });
      expect(files.filter((f) => /digits|\.kld$/.test(f)), dir).toEqual([]);
      const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(project, dir, f), 'utf8')).join('\n');
      expect(js).not.toMatch(/\bfrom\s*["']node:|\bimport\(\s*["']node:|\bBuffer\.from\(/);
    }
  }, 120_000);

  describe.runIf(HAVE_CHROMIUM)('the bundled example in Chromium', () => {
    let browser: Browser;
    const servers: Server[] = [];
    beforeAll(async () => { browser = await launchChromium(); });
    afterAll(async () => {
      await browser?.close();
      for (const s of servers) s.close();
    });

    /** Serves a folder on 127.0.0.1; resolves with its address. */
    async function serve(dir: string): Promise<string> {
      const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
      const server = createServer((req, res) => {
        const path = join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/\/$/, '/index.html'));
        if (!path.startsWith(dir) || !existsSync(path)) { res.statusCode = 404; res.end(); return; }
        res.setHeader('Content-Type', types[extname(path)] ?? 'application/octet-stream');
        res.end(readFileSync(path));
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    }

    for (const bundler of ['vite', 'esbuild', 'webpack']) {
      it(`runs the ${bundler} bundle: the loss falls, and frames keep coming while fit runs on the main thread`, async () => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        await page.goto(await serve(join(project, `dist-${bundler}`)));
        await page.waitForFunction(() => (window as unknown as { kilnExample?: { done: boolean; error?: string } }).kilnExample?.done || (window as unknown as { kilnExample?: { error?: string } }).kilnExample?.error, undefined, { timeout: 90_000 });
        const r = await page.evaluate(() => (window as unknown as { kilnExample: { losses: number[]; framesDuringFit: number[]; fitStart: number; fitEnd: number; accuracy: number; backend: string; error?: string } }).kilnExample);
        expect(r.error).toBeUndefined();
        expect(errors).toEqual([]);
        expect(r.backend).toBe('wasm');
        expect(r.losses.length).toBe(1500);
        expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! / 2);
        expect(r.accuracy).toBeGreaterThan(0.85);
        // Frames were drawn all through fit: more than a couple, and no gap longer than half of it.
        const frames = r.framesDuringFit;
        const fitMs = r.fitEnd - r.fitStart;
        const longestGap = Math.max(frames[0]! - r.fitStart, ...frames.slice(1).map((t, i) => t - frames[i]!), r.fitEnd - frames.at(-1)!);
        console.log(`${bundler}: fit ${fitMs.toFixed(0)} ms, ${frames.length} animation frames during it, longest gap ${longestGap.toFixed(0)} ms`);
        expect(frames.length).toBeGreaterThan(2);
        expect(longestGap).toBeLessThan(fitMs / 2);
        await page.close();
      }, 120_000);
    }
  });
});
