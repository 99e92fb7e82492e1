import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

// kill -9 during saves: a saving process is killed at random moments (so at every step of a save,
// over many kills), and after each kill the directory must load as the complete old model or the
// complete new one. Runs the built package, as a user's process would.

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = pathToFileURL(join(root, 'dist', 'node', 'index.js')).href;
const kiln = (await import(entry)) as typeof import('../../src/node/index.js');

/** A script that saves two models alternately into argv[2], forever, after printing "ready". */
const SAVER = `
import * as kiln from ${JSON.stringify(entry)};
const dir = process.argv[2];
const make = (v) => {
  const m = new kiln.nn.Sequential(new kiln.nn.Linear(256, 256), new kiln.nn.Linear(256, 8));
  kiln.noGrad(() => m.parameters().forEach((p) => p.fill_(v)));
  return m;
};
const models = [make(1), make(2)];
process.stdout.write('ready\\n');
for (let i = 0; ; i++) await kiln.save(models[i % 2], dir, { metadata: { v: (i % 2) + 1 } });
`;

/** Starts the saver on `dir`; resolves once it saves. */
function startSaver(script: string, dir: string): Promise<import('node:child_process').ChildProcess> {
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the saver exited with ${code}`)));
  });
}

/** Loads `dir` and checks it is one complete model: every weight 1 and metadata v 1, or all 2. */
async function expectWhole(dir: string): Promise<number> {
  const { model, metadata } = await kiln.loadWithMetadata(dir);
  const values = new Set(model.parameters().flatMap((p) => Array.from(p.values)));
  expect(values.size).toBe(1);
  const [v] = [...values];
  expect(metadata.v).toBe(v);
  return v!;
}

describe('saves are all or nothing', () => {
  it('survives 120 kill -9 at random moments of saving: each time the directory loads whole, old or new', async () => {
    const dir = join(tempDir('kiln-crash-'), 'model');
    const script = join(tempDir('kiln-saver-'), 'saver.mjs');
    writeFileSync(script, SAVER);
    const m = new kiln.nn.Sequential(new kiln.nn.Linear(256, 256), new kiln.nn.Linear(256, 8));
    kiln.noGrad(() => m.parameters().forEach((p) => p.fill_(1)));
    await kiln.save(m, dir, { metadata: { v: 1 } });
    const seen = new Set<number>();
    for (let k = 0; k < 120; k++) {
      const child = await startSaver(script, dir);
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      seen.add(await expectWhole(dir));
    }
    expect([...seen].sort()).toEqual([1, 2]); // kills landed on both sides of the switch
    // Killed saves leave temporaries, a lock and stray weights behind; the next save removes them.
    await kiln.save(m, dir, { metadata: { v: 1 } });
    const weights = (await import('node:fs')).readFileSync(join(dir, 'model.json'), 'utf8');
    expect(readdirSync(dir).sort()).toEqual(['model.json', JSON.parse(weights).weights.file]);
  }, 240_000);

  it('lets concurrent saves to one directory, from one process or several, end with one whole model', async () => {
    const dir = join(tempDir('kiln-concurrent-'), 'model');
    const models = [1, 2, 3].map((v) => {
      const m = new kiln.nn.Sequential(new kiln.nn.Linear(64, 64));
      kiln.noGrad(() => m.parameters().forEach((p) => p.fill_(v)));
      return m;
    });
    // One process: many saves at once, all resolve.
    await Promise.all(Array.from({ length: 12 }, (_, i) => kiln.save(models[i % 3]!, dir, { metadata: { v: (i % 3) + 1 } })));
    expect([1, 2, 3]).toContain(await expectWhole(dir));
    // Several processes saving at once, while this one loads.
    const script = join(tempDir('kiln-saver-'), 'saver.mjs');
    writeFileSync(script, SAVER);
    const children = await Promise.all([0, 1, 2].map(() => startSaver(script, dir)));
    for (let i = 0; i < 20; i++) {
      expect([1, 2, 3]).toContain(await expectWhole(dir));
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(children.map((c) => { const done = new Promise((r) => c.once('exit', r)); c.kill('SIGKILL'); return done; }));
    expect([1, 2]).toContain(await expectWhole(dir));
  }, 120_000);

  it('writes one-file models atomically too, and says what is wrong with a path it cannot write', async () => {
    const dir = tempDir('kiln-onefile-');
    const m = new kiln.nn.Sequential(new kiln.nn.Linear(2, 2));
    await kiln.save(m, join(dir, 'sub', 'model.safetensors'));
    expect(readdirSync(join(dir, 'sub'))).toEqual(['model.safetensors']);
    expect((await kiln.load(join(dir, 'sub', 'model.safetensors'))).toConfig()).toEqual(m.toConfig());
    writeFileSync(join(dir, 'a-file'), 'x');
    await expect(kiln.save(m, join(dir, 'a-file'))).rejects.toThrow(/save: cannot write .*a-file: .*(EEXIST|ENOTDIR); /);
    await expect(kiln.save(m, join(dir, 'a-file', 'inside'))).rejects.toThrow(kiln.FormatError);
  });
});
