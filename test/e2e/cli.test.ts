import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

// Runs the built CLI (`npm test` builds dist/ first), as a user would.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/cli/main.js');
const run = promisify(execFile);
const kiln = async (...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> => {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: root, maxBuffer: 1 << 24 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
};
const tmp = (): string => tempDir('kiln-e2e-');

describe('kiln CLI', () => {
  it('demo: reproduces the beans example and the flower, and writes the plots', async () => {
    const out = tmp();
    const r = await kiln('demo', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const beans = /beans: 500000 steps in [\d.]+ s, cost ([\d.]+), accuracy ([\d.]+)%/.exec(r.stdout);
    expect(beans, r.stdout).not.toBeNull();
    expect(Number(beans![2])).toBeGreaterThanOrEqual(95);
    const flower = /flower: train accuracy [\d.]+%, test accuracy ([\d.]+)%/.exec(r.stdout);
    expect(Number(flower![1])).toBeGreaterThanOrEqual(88);
    expect(readdirSync(out).sort()).toEqual(['beans-curve.svg', 'beans-loss.svg', 'flower-boundary.svg', 'flower-loss.svg']);
    const curve = readFileSync(join(out, 'beans-curve.svg'), 'utf8');
    expect(curve).toMatch(/^<svg/);
    expect((curve.match(/<circle/g) ?? []).length).toBe(100);
    expect(curve).toMatch(/<path d="M[\d.]+,[\d.]+L/);
  });

  it('train: trains on a planar set, plots, saves a model that Node loads and that predicts', async () => {
    const dir = tmp();
    const r = await kiln('train', 'moons', '--hidden', '8,8', '--activation', 'relu', '--epochs', '60', '--keep-prob', '0.9', '--l2', '0.001', '--lr-decay', '0.01', '--init', 'he', '--save', join(dir, 'model'), '--plot', join(dir, 'plots'));
    expect(r.code, r.stderr).toBe(0);
    const acc = /test accuracy ([\d.]+)/.exec(r.stdout);
    expect(Number(acc![1])).toBeGreaterThan(0.85);
    expect(r.stderr).toMatch(/epoch 60\/60/);
    expect(readdirSync(join(dir, 'plots')).sort()).toEqual(['boundary.svg', 'loss.svg']);
    const kilnApi = await import('../../dist/index.js');
    const model = await kilnApi.load(join(dir, 'model'));
    const p = kilnApi.predict(model, kilnApi.tensor([[0, 1], [1, -0.5]]));
    expect(p.shape).toEqual([2, 1]);
    for (const v of p.data) expect(v > 0 && v < 1).toBe(true); // the saved model ends in a sigmoid
  });

  it('train: 1-D data gets a fitted curve; a CSV file with class labels gets softmax', async () => {
    const dir = tmp();
    const r = await kiln('train', 'beans', '--epochs', '40', '--batch-size', 'full', '--plot', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['curve.svg', 'loss.svg']);
    const csv = join(dir, 'three.csv');
    const rows = ['a,b,kind'];
    for (let i = 0; i < 90; i++) rows.push(`${(i % 3) * 2 + Math.sin(i) * 0.3},${Math.cos(i) * 0.3},${['red', 'green', 'blue'][i % 3]}`);
    writeFileSync(csv, rows.join('\n'));
    const c = await kiln('train', csv, '--label', 'kind', '--epochs', '80', '--save', join(dir, 'm'));
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/network 2-4-3 tanh\/softmax, crossEntropy/);
    const kilnApi = await import('../../dist/index.js');
    const probs = kilnApi.predict(await kilnApi.load(join(dir, 'm')), kilnApi.tensor([[0, 0]]));
    expect(probs.sum().item()).toBeCloseTo(1, 5);
  });

  it('refuses bad input with a one-line message and exit code 1, writing nothing', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x,y,label\n1,2,0\n3,oops,1\n');
    const cases: [string[], RegExp][] = [
      [['train', 'flower', '--lr', '-0.1'], /kiln: train: --lr must be > 0, got -0.1/],
      [['train', 'flower', '--keep-prob', '1.5'], /--keep-prob must be > 0 and ≤ 1, got 1.5/],
      [['train', 'flower', '--epochs', 'ten'], /--epochs must be a number, got "ten"/],
      [['train', 'flower', '--hidden', '4,x'], /--hidden must be a number/],
      [['train', 'flower', '--optimizer', 'lbfgs'], /name must be one of sgd, momentum, rmsprop, adam, adamw/],
      [['train', 'nothing'], /unknown dataset "nothing"/],
      [['train', bad, '--save', join(dir, 'out')], /kiln: CSV: row 3, column "y": "oops" is not a number/],
      [['train', join(dir, 'missing.csv')], /cannot read/],
    ];
    for (const [args, message] of cases) {
      const r = await kiln(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
