import { describe, expect, it } from 'vitest';
import * as kiln from 'kiln-ml';
import { DEFAULTS, withDataset } from './state.js';
import { Trainer, activationCurves, csvDataset, mapFeatures } from './trainer.js';
import type { ExplainLayer } from './trainer.js';
import { STATED_ACCURACY, STATED_EPOCHS, STATED_LOSS } from '../../test/playground-defaults.js';

// The playground's training logic, in Node (the page runs the same code in a Web Worker).

describe('playground trainer', () => {
  it("fits the beans as the course does (its preset is the default): 2 sigmoid units, squared error, per-example SGD α = 0.03, 5,000 epochs", async () => {
    const t = new Trainer(DEFAULTS);
    expect(t.info).toMatchObject({ kind: '1d', classes: 2, train: 100, test: 100 });
    for (let i = 0; i < DEFAULTS.epochs; i++) await t.runEpoch();
    const s = await t.snapshot();
    expect(DEFAULTS.epochs).toBe(5000);
    expect(s.loss.train[4999]!).toBeLessThan(s.loss.train[0]! / 3);
    expect(s.accuracy.train[4999]!).toBe(1); // as the README's table states
    expect(s.plot).toContain('data-chart="curve"');
    expect(s.neurons.values).toHaveLength(1);
    expect(s.neurons.values[0]).toHaveLength(2);
    expect(s.weights.map((w) => [w.W.length, w.W[0]!.length])).toEqual([[2, 1], [1, 2]]);
  });

  it("each planar set's defaults teach: they reach the README's test accuracy within 500 epochs (a second or so)", async () => {
    const reached: Record<string, number> = {};
    for (const ds of Object.keys(STATED_ACCURACY) as (keyof typeof STATED_ACCURACY)[]) {
      const t = new Trainer(withDataset(DEFAULTS, ds));
      for (let i = 0; i < STATED_EPOCHS; i++) await t.runEpoch();
      reached[ds] = (await t.snapshot()).accuracy.test.at(-1)!;
    }
    for (const [ds, acc] of Object.entries(reached)) expect(acc, ds).toBeGreaterThanOrEqual(STATED_ACCURACY[ds as keyof typeof STATED_ACCURACY] - 1e-9);
  });

  it('each regression set\'s defaults teach: a linear output with squared error fits them to the README\'s test loss within 500 epochs', async () => {
    const reached: Record<string, number> = {};
    for (const ds of Object.keys(STATED_LOSS) as (keyof typeof STATED_LOSS)[]) {
      const settings = withDataset(DEFAULTS, ds);
      expect([settings.output, settings.loss]).toEqual(['linear', 'mse']);
      const t = new Trainer(settings);
      expect(t.info.classes).toBe(0);
      for (let i = 0; i < STATED_EPOCHS; i++) await t.runEpoch();
      const s = await t.snapshot();
      reached[ds] = s.loss.test.at(-1)!;
      expect(s.accuracy.test.at(-1)).toBeNaN();
      expect(s.biasVariance).toBeNull();
      expect(s.boundary!.rgba).toHaveLength(4 * 128 * 128);
    }
    for (const [ds, loss] of Object.entries(reached)) expect(loss, ds).toBeLessThanOrEqual(STATED_LOSS[ds as keyof typeof STATED_LOSS]);
    // A classification loss on real targets is refused with what to choose.
    expect(() => new Trainer({ ...withDataset(DEFAULTS, 'plane'), output: 'sigmoid', loss: 'bce' })).toThrow(/plane is regression \(real targets\): choose the linear output with squared error/);
    // And back to classification: the sigmoid output and cross-entropy return.
    expect(withDataset(withDataset(DEFAULTS, 'plane'), 'circles')).toMatchObject({ output: 'sigmoid', loss: 'bce' });
  });

  it('L1 beside L2: its λ adds λ/(2m)·Σ|W| to the cost and shrinks the weights', async () => {
    const sumAbs = async (l1: number): Promise<number> => {
      const t = new Trainer({ ...withDataset(DEFAULTS, 'flower'), hidden: [{ units: 8, activation: 'tanh' }], l1 });
      for (let i = 0; i < 200; i++) await t.runEpoch();
      return (await t.snapshot()).weights.flatMap((w) => w.W.flat()).reduce((a, v) => a + Math.abs(v), 0);
    };
    const [plain, penalised] = [await sumAbs(0), await sumAbs(20)];
    expect(penalised).toBeLessThan(plain * 0.7);
  });

  it('makes the chosen input features from the points: x₁, x₂, their squares, product and sines', () => {
    const x = kiln.tensor([[1, 2], [-0.5, 3]]);
    const f = mapFeatures(x, ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2']);
    expect(f.shape).toEqual([2, 7]);
    const want = [[1, 2, 1, 4, 2, Math.sin(1), Math.sin(2)], [-0.5, 3, 0.25, 9, -1.5, Math.sin(-0.5), Math.sin(3)]];
    (f.toArray() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i]!, 6));
  });

  it('separates the circles with no hidden layer given x₁² and x₂² (logistic regression on features), and not on x₁, x₂', async () => {
    const reach = async (features: ('x1' | 'x2' | 'x1sq' | 'x2sq')[]): Promise<number> => {
      const t = new Trainer({ ...withDataset(DEFAULTS, 'circles'), hidden: [], features });
      expect(t.info.inputNames).toEqual(features.map((f) => ({ x1: 'x₁', x2: 'x₂', x1sq: 'x₁²', x2sq: 'x₂²' })[f]));
      for (let i = 0; i < 300; i++) await t.runEpoch();
      const s = await t.snapshot();
      expect(s.weights[0]!.W[0]).toHaveLength(features.length);
      expect(s.explain.X).toHaveLength(features.length);
      return s.accuracy.test.at(-1)!;
    };
    expect(await reach(['x1sq', 'x2sq'])).toBeGreaterThanOrEqual(0.95);
    expect(await reach(['x1', 'x2'])).toBeLessThan(0.75);
  });

  it('says training diverged, in which epoch, and what to lower, when the steps overshoot', async () => {
    const t = new Trainer({ ...withDataset(DEFAULTS, 'plane'), optimizer: 'sgd', lr: 10 });
    let error: unknown = null;
    for (let i = 0; i < 50 && error === null; i++) await t.runEpoch().catch((e: unknown) => { error = e; });
    expect(String(error)).toMatch(/^Error: Training diverged in epoch \d+: the loss is no longer a finite number, so each step overshoots\. Lower the learning rate α \(now 10\) and press Reset\.$/);
    expect(t.epoch).toBeLessThan(50);
  });

  it('trains the flower with every batch mode and optimiser, and draws a boundary', async () => {
    for (const [batch, optimizer] of [['full', 'adam'], ['mini', 'momentum'], ['one', 'sgd'], ['mini', 'rmsprop']] as const) {
      const t = new Trainer({ ...withDataset(DEFAULTS, 'flower'), batch, optimizer, lr: optimizer === 'adam' ? 0.05 : 0.02, samples: 200, l2: 0.01, keepProb: 0.9, decay: 0.01 });
      for (let i = 0; i < 15; i++) await t.runEpoch();
      const s = await t.snapshot();
      expect(s.loss.train[14]!, `${batch}/${optimizer}`).toBeLessThan(s.loss.train[0]!);
      expect(s.plot).toContain('data-chart="boundary"');
      expect(s.boundary!.rgba).toHaveLength(4 * s.boundary!.nx * s.boundary!.ny);
      expect(s.lr).toBeCloseTo(t.settings.lr / (1 + 0.01 * 16), 10); // epoch 16's, the next (epochs from 1)
    }
  });

  it("reads bias and variance as the course does where there is a test set, and not without one", async () => {
    const t = new Trainer(withDataset(DEFAULTS, 'flower'));
    for (let i = 0; i < 3; i++) await t.runEpoch();
    const s = await t.snapshot();
    const bv = s.biasVariance!;
    expect(bv.trainError).toBeCloseTo(1 - s.accuracy.train.at(-1)!, 12);
    expect(bv.devError).toBeCloseTo(1 - s.accuracy.test.at(-1)!, 12);
    expect(['high bias', 'high variance', 'high bias and high variance', 'low bias and low variance']).toContain(bv.diagnosis);
    const beans = new Trainer(DEFAULTS);
    await beans.runEpoch();
    expect((await beans.snapshot()).biasVariance).toBeNull();
  });

  it('uses softmax and cross-entropy for blobs, and refuses a sigmoid for three classes', async () => {
    const t = new Trainer(withDataset(DEFAULTS, 'blobs'));
    for (let i = 0; i < 40; i++) await t.runEpoch();
    expect((await t.snapshot()).accuracy.test.at(-1)!).toBeGreaterThan(0.9);
    expect(() => new Trainer({ ...withDataset(DEFAULTS, 'blobs'), output: 'sigmoid', loss: 'bce' })).toThrow('this data has 3 classes: choose the softmax output');
  });

  it("explains one example with the course's equations: dW and db equal autograd's on that example", async () => {
    const t = new Trainer({ ...withDataset(DEFAULTS, 'flower'), hidden: [{ units: 3, activation: 'tanh' }, { units: 2, activation: 'relu' }] });
    await t.runEpoch();
    const e = t.explain(4);
    expect([e.of, e.m, e.lossForm]).toEqual([4, 1, 'crossEntropy']);
    expect(e.layers.map((l) => l.activation)).toEqual(['tanh', 'relu', 'sigmoid']);
    // The same example through the whole model with ordinary backward.
    t.explainOf = 4;
    expect((await t.snapshot()).explain).toEqual(e);
    const x = kiln.tensor([e.X.map((r) => r[0]!)]), y = kiln.tensor([[e.Y[0]![0]!]]);
    for (const p of t.model.parameters()) p.grad = null;
    t.model.eval();
    kiln.nn.functional.binaryCrossEntropyWithLogits(t.model.forward(x), y).backward();
    const linears = t.model.layers.filter((l) => l instanceof kiln.nn.Linear) as kiln.nn.Linear[];
    linears.forEach((l, i) => {
      expect(Array.from(l.weight.grad!.dataSync())).toEqual(e.layers[i]!.dW.flat().map((v) => Math.fround(v)));
      expect(Array.from(l.bias!.grad!.dataSync())).toEqual(e.layers[i]!.db.map((v) => Math.fround(v)));
    });
    // Z = W·x + b, A = g(Z), and dZ[L] = A[L] − Y for the cross-entropy on a sigmoid output.
    const [l1] = e.layers;
    expect(l1!.Z[0]![0]).toBeCloseTo(l1!.W[0]![0]! * e.X[0]![0]! + l1!.W[0]![1]! * e.X[1]![0]! + l1!.b[0]!, 5);
    expect(l1!.A[0]![0]).toBeCloseTo(Math.tanh(l1!.Z[0]![0]!), 5);
    const out = e.layers[2]!;
    expect(out.A[0]![0]).toBeCloseTo(1 / (1 + Math.exp(-out.Z[0]![0]!)), 6);
    expect(out.dZ[0]![0]).toBeCloseTo(out.A[0]![0]! - e.Y[0]![0]!, 5);
  });

  it('explains the mini-batch vectorised, examples as columns: dW = (1/m)·dZ·A[l−1]ᵀ, db = (1/m)·Σ dZ, dZ[l] = W[l+1]ᵀdZ[l+1] ∗ g′(Z[l])', async () => {
    const t = new Trainer({ ...withDataset(DEFAULTS, 'moons'), batch: 'mini', batchSize: 8, hidden: [{ units: 3, activation: 'tanh' }] });
    await t.runEpoch();
    const e = t.explain('batch');
    expect([e.m, e.X.length, e.X[0]!.length, e.Y[0]!.length]).toEqual([8, 2, 8, 8]);
    const [h, out] = e.layers as [ExplainLayer, ExplainLayer];
    expect([h.Z.length, h.Z[0]!.length]).toEqual([3, 8]);
    const m = e.m;
    // dW[2] = (1/m)·dZ[2]·A[1]ᵀ and db[2] = (1/m)·Σ dZ[2], by hand.
    h.A.forEach((row, j) => expect(out.dW[0]![j]).toBeCloseTo(row.reduce((sum, a, k) => sum + out.dZ[0]![k]! * a, 0) / m, 5));
    expect(out.db[0]).toBeCloseTo(out.dZ[0]!.reduce((a, b) => a + b, 0) / m, 5);
    // dZ[1] = W[2]ᵀ·dZ[2] ∗ tanh′(Z[1]) = W[2]ᵀ·dZ[2] ∗ (1 − A[1]²).
    h.dZ.forEach((row, j) => row.forEach((v, k) => expect(v).toBeCloseTo(out.W[0]![j]! * out.dZ[0]![k]! * (1 - h.A[j]![k]! ** 2), 5)));
    // And dW[1] = (1/m)·dZ[1]·Xᵀ.
    expect(h.dW[0]![1]).toBeCloseTo(h.dZ[0]!.reduce((sum, d, k) => sum + d * e.X[1]![k]!, 0) / m, 5);
  });

  it("explains the squared error's own dZ[L] = 2(A[L] − Y) ∗ g′(Z[L]) (the beans)", async () => {
    const t = new Trainer(DEFAULTS);
    await t.runEpoch();
    const e = t.explain(10);
    expect(e.lossForm).toBe('squaredError');
    const out = e.layers.at(-1)!;
    const a = out.A[0]![0]!, y = e.Y[0]![0]!;
    expect(out.activation).toBe('sigmoid');
    expect(out.dZ[0]![0]).toBeCloseTo(2 * (a - y) * a * (1 - a), 6);
  });

  it('reads a 2-D CSV and says what is wrong with a bad one', async () => {
    const ds = csvDataset('a,b,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n');
    expect(ds.featureNames).toEqual(['a', 'b']);
    const t = new Trainer({ ...DEFAULTS, dataset: 'csv', testFraction: 0.25 }, 'a,b,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n');
    expect(t.info).toMatchObject({ kind: '2d', featureNames: ['a', 'b'], train: 3, test: 1 });
    expect(() => csvDataset('a,b,c,label\n1,2,3,0\n')).toThrow('needs exactly 2 feature columns besides "label"; this file has 3 (a, b, c)');
    expect(() => csvDataset('x,y,label\n1,2,0\n3,oops,1\n')).toThrow(/row 3.*oops|oops.*row 3/);
    expect(() => csvDataset('x,y,label\n1,2,0.5\n3,4,1\n')).toThrow('must be classes (0/1, or names); found the number 0.5');
    expect(() => new Trainer({ ...DEFAULTS, dataset: 'csv' })).toThrow('CSV: choose a file first');
  });

  it('exports a model kiln.load-format reads, and imports it back to go on training', async () => {
    const t = new Trainer(withDataset(DEFAULTS, 'moons'));
    for (let i = 0; i < 5; i++) await t.runEpoch();
    const bytes = t.exportModel();
    const { model, metadata } = kiln.deserializeModelFile(bytes);
    expect((metadata.playground as { dataset: string }).dataset).toBe('moons');
    const x = kiln.randn([4, 2]);
    expect(Array.from((await kiln.predict(model, x)).dataSync())).toEqual(Array.from((await kiln.predict(t.predictor, x)).dataSync()));
    const u = new Trainer(withDataset(DEFAULTS, 'moons'));
    u.importModel(bytes);
    expect(Array.from((await kiln.predict(u.predictor, x)).dataSync())).toEqual(Array.from((await kiln.predict(t.predictor, x)).dataSync()));
    await u.runEpoch();
    expect(() => new Trainer(DEFAULTS).importModel(bytes)).toThrow('the model takes 2 inputs but this data has 1');
    // Squared error keeps its output activation inside the trained model: imported, it is not applied twice.
    const beans = new Trainer(DEFAULTS);
    for (let i = 0; i < 3; i++) await beans.runEpoch();
    const again = new Trainer(DEFAULTS);
    again.importModel(beans.exportModel());
    const xs = kiln.linspace(0, 1, 5).reshape(5, 1);
    expect(Array.from((await kiln.predict(again.predictor, xs)).dataSync())).toEqual(Array.from((await kiln.predict(beans.predictor, xs)).dataSync()));
  });

  it("plots an activation with its derivative from Kiln's autograd", async () => {
    for (const a of ['tanh', 'relu', 'leakyRelu', 'sigmoid', 'linear'] as const) expect(activationCurves(a)).toContain('data-chart="activation"');
  });
});
