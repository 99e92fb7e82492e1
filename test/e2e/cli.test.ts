import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { makePng } from '../png.js';

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
    const digits = /digits: test accuracy ([\d.]+)%/.exec(r.stdout);
    expect(Number(digits![1])).toBeGreaterThan(80);
    expect(readdirSync(out).sort()).toEqual(['beans-curve.svg', 'beans-loss.svg', 'flower-boundary.svg', 'flower-loss.svg']);
    const curve = readFileSync(join(out, 'beans-curve.svg'), 'utf8');
    expect(curve).toMatch(/^<svg/);
    expect((curve.match(/<circle/g) ?? []).length).toBe(100);
    expect(curve).toMatch(/<path d="M[\d.]+,[\d.]+L/);
  });

  it('train: trains on a planar set, plots, saves a model that Node loads and that predicts', async () => {
    const dir = tmp();
    const r = await kiln('train', 'moons', '--hidden', '8,8', '--activation', 'relu', '--epochs', '60', '--keep-prob', '0.9', '--l2', '0.001', '--l1', '0.0005', '--lr-decay', '0.01', '--init', 'he', '--save', join(dir, 'model'), '--plot', join(dir, 'plots'));
    expect(r.code, r.stderr).toBe(0);
    const acc = /test accuracy ([\d.]+)/.exec(r.stdout);
    expect(Number(acc![1])).toBeGreaterThan(0.85);
    expect(r.stderr).toMatch(/epoch 60\/60/);
    // The course's reading of train and held-out error, in words.
    expect(r.stdout).toMatch(/bias\/variance: train error [\d.]+%, held-out error [\d.]+%: (high bias|high variance|high bias and high variance|low bias and low variance); /);
    expect(readdirSync(join(dir, 'plots')).sort()).toEqual(['boundary.svg', 'loss.svg', 'network.svg']);
    // The trained weights drawn as the playground draws them: 2·8 + 8·8 + 8·1 edges.
    expect((readFileSync(join(dir, 'plots', 'network.svg'), 'utf8').match(/<line class="edge"/g) ?? []).length).toBe(88);
    const kilnApi = await import('../../dist/node/index.js');
    const model = await kilnApi.load(join(dir, 'model'));
    const p = await kilnApi.predict(model, kilnApi.tensor([[0, 1], [1, -0.5]]));
    expect(p.shape).toEqual([2, 1]);
    for (const v of await p.data()) expect(v > 0 && v < 1).toBe(true); // the saved model ends in a sigmoid
  });

  it('train: 1-D data gets a fitted curve; a CSV file with class labels gets softmax', async () => {
    const dir = tmp();
    const r = await kiln('train', 'beans', '--epochs', '40', '--batch-size', 'full', '--plot', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['curve.svg', 'loss.svg', 'network.svg']);
    const csv = join(dir, 'three.csv');
    const rows = ['a,b,kind'];
    for (let i = 0; i < 90; i++) rows.push(`${(i % 3) * 2 + Math.sin(i) * 0.3},${Math.cos(i) * 0.3},${['red', 'green', 'blue'][i % 3]}`);
    writeFileSync(csv, rows.join('\n'));
    const c = await kiln('train', csv, '--label', 'kind', '--epochs', '80', '--save', join(dir, 'm'));
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/network 2-4-3 tanh\/softmax, crossEntropy/);
    const kilnApi = await import('../../dist/node/index.js');
    const probs = await kilnApi.predict(await kilnApi.load(join(dir, 'm')), kilnApi.tensor([[0, 0]]));
    expect(probs.sum().item()).toBeCloseTo(1, 5);
    // --init auto: the course's Xavier for the (default) tanh layers.
    const saved = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8')) as { architecture: { layers: { type: string; init?: string }[] } };
    expect(saved.architecture.layers.filter((l) => l.type === 'Linear').map((l) => l.init)).toEqual(['courseXavier', 'courseXavier']);
  });

  it('train mnist --model lenet5 saves a model that summary describes and predict reads a PNG with', async () => {
    const dir = tempDir('kiln-e2e-');
    const r = await kiln('train', 'mnist', '--model', 'lenet5', '--epochs', '2', '--train-size', '2000', '--optimizer', 'momentum', '--lr', '0.3', '--batch-size', '16', '--save', join(dir, 'lenet'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2000 train \/ 2004 test examples, LeNet-5 \(relu\)/);
    expect(Number(/test accuracy ([\d.]+)/.exec(r.stdout)![1])).toBeGreaterThan(0.85);
    expect(r.stderr).toMatch(/epoch 2\/2/);

    const s = await kiln('summary', join(dir, 'lenet'));
    expect(s.stdout).toMatch(/Input: \[1, 28, 28\]/);
    expect(s.stdout).toMatch(/12 \(Softmax\)\s+\[10\]\s+0/);
    expect(s.stdout).toMatch(/Total params: 61,706/);
    const v = await kiln('summary', 'vgg16');
    expect(v.stdout).toMatch(/Total params: 138,357,544/);

    // A 7 from the test set, drawn dark on light at twice the size.
    const kilnApi = await import('../../dist/node/index.js');
    const { test } = await kilnApi.data.mnist({ testSize: 10 });
    const seven = test.x.dataSync().subarray(7 * 784, 8 * 784);
    const big = Array.from({ length: 56 * 56 }, (_, i) => 1 - seven[Math.floor(i / 112) * 28 + Math.floor((i % 56) / 2)]!);
    writeFileSync(join(dir, 'seven.png'), makePng(56, 56, big));
    const p = await kiln('predict', join(dir, 'lenet'), join(dir, 'seven.png'));
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^prediction: 7 \(/);
    const probs = [...p.stdout.matchAll(/^ {2}(\d): ([\d.]+)/gm)].map((m) => Number(m[2]));
    expect(probs).toHaveLength(10);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);

    // The same model as ONNX, run in ONNX Runtime: the same probabilities for the 7.
    const e = await kiln('export', join(dir, 'lenet'), '--onnx', join(dir, 'lenet.onnx'));
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^wrote .*lenet\.onnx: ONNX opset 17, input \[N, 1, 28, 28\], 61,706 parameters, \d+ KB/);
    const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(dir, 'lenet.onnx'));
    const onnxProbs = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(seven), [1, 1, 28, 28]) })).output!.data as Float32Array;
    expect(onnxProbs.indexOf(Math.max(...onnxProbs))).toBe(7);

    writeFileSync(join(dir, 'notes.png'), 'not an image');
    const bad = await kiln('predict', join(dir, 'lenet'), join(dir, 'notes.png'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/notes.png: not a PNG file/);
    writeFileSync(join(dir, 'small.png'), makePng(10, 10, new Array(100).fill(1)));
    expect((await kiln('predict', join(dir, 'lenet'), join(dir, 'small.png'))).stderr).toMatch(/it is 10×10; the model needs 28×28 or larger/);
  });

  it('search: tries learning rates on a log scale and hidden layers, prints a table best first and the best setting', async () => {
    const r = await kiln('search', 'moons', '--trials', '5', '--epochs', '80', '--batch-size', 'full', '--lr-range', '1e-4:1', '--hidden-choices', '4;8,8');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^trial \d\/5: lr [\d.e-]+, hidden (4|8,8) → [\d.]+$/gm)).toHaveLength(5);
    const table = r.stdout.slice(r.stdout.indexOf('#'), r.stdout.indexOf('best:')).trim().split('\n');
    expect(table[0]).toMatch(/#\s+lr\s+hidden\s+score/);
    const scores = table.slice(1).map((l) => Number(l.trim().split(/\s+/).at(-1)));
    expect(scores).toEqual([...scores].sort((x, y) => x - y));
    for (const lr of table.slice(1).map((l) => Number(l.trim().split(/\s+/)[1]))) expect(lr >= 1e-4 && lr <= 1).toBe(true);
    expect(r.stdout).toMatch(/best: lr [\d.e-]+, hidden (4|8,8) \(held-out error [\d.]+\)\ntrain it: kiln train moons --lr [\d.e-]+ --hidden (4|8,8)/);
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
      [['train', 'flower', '--optimizer', 'lbfgs'], /name must be one of sgd, momentum, pytorch-momentum, rmsprop, adam, adamw/],
      [['train', 'nothing'], /unknown dataset "nothing"/],
      [['train', bad, '--save', join(dir, 'out')], /kiln: CSV: row 3, column "y": "oops" is not a number/],
      [['train', join(dir, 'missing.csv')], /cannot read/],
      [['train', 'flower', '--model', 'lenet5'], /--model lenet5 needs 28×28 grayscale images \(mnist\), got examples of shape \[2\]/],
      [['train', 'flower', '--model', 'resnet'], /--model must be one of mlp, lenet5/],
      [['search', 'flower', '--lr-range', '1:0.1'], /search: --lr-range must be low:high with 0 < low < high/],
      [['search', 'flower', '--test-split', '0'], /search: trials are scored on the held-out set/],
      [['summary', 'resnet50'], /summary: "resnet50" is neither a zoo model \(lenet5, alexnet, vgg16\) nor a saved model \(a directory or \.safetensors file\)/],
      [['export', 'lenet5', '--onnx', join(dir, 'x.onnx'), '--opset', '9'], /kiln: exportOnnx: opset must be one of 13, 14, 15, 16, 17, got 9/],
      [['export', 'lenet5'], /required option '--onnx <file>' not specified/],
      [['summary', dir], /cannot read .*model.json.*a directory written by kiln.save/],
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
