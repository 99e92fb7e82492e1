import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { ValueError } from '../index.js';

const { nn, optim, tensor, manualSeed, TensorDataset, DataLoader } = kiln;

describe('DataLoader', () => {
  const ds = new TensorDataset(kiln.arange(10, undefined, 1, { dtype: 'float32' }).reshape(10, 1), kiln.arange(10));
  const sizes = (dl: kiln.DataLoader): number[] => [...dl].map((b) => b.x.shape[0]!);

  it('gives full-batch, stochastic and mini-batch passes with a last partial batch', () => {
    expect(sizes(new DataLoader(ds, { batchSize: 'full' }))).toEqual([10]);
    expect(sizes(new DataLoader(ds, { batchSize: 1 }))).toEqual(Array(10).fill(1));
    expect(sizes(new DataLoader(ds, { batchSize: 4 }))).toEqual([4, 4, 2]);
    expect(sizes(new DataLoader(ds, { batchSize: 4, dropLast: true }))).toEqual([4, 4]);
    expect(new DataLoader(ds, { batchSize: 4 }).length).toBe(3);
    expect(sizes(new DataLoader(ds, { batchSize: 64 }))).toEqual([10]);
  });

  it('shuffles with a seed: every example once per epoch, reproducibly', () => {
    const order = (seed: number): number[] => [...new DataLoader(ds, { batchSize: 3, shuffle: true, seed })].flatMap((b) => Array.from(b.y.values));
    expect(order(5)).toEqual(order(5));
    expect(order(5)).not.toEqual(order(6));
    expect([...order(5)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const batch = [...new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1 })][0]!;
    expect(Array.from(batch.x.values)).toEqual(Array.from(batch.y.values)); // rows stay paired
  });

  it('rejects nonsense batch sizes', () => {
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow('DataLoader: batchSize (a count or "full") must be an integer ≥ 1, got 0');
    expect(() => new DataLoader(ds, { batchSize: 'half' as never })).toThrow(ValueError);
  });
});

describe('TensorDataset', () => {
  it('rejects NaN in the data and mismatched rows', () => {
    expect(() => new TensorDataset(tensor([[1, 2], [NaN, 3]]), tensor([0, 1]))).toThrow('TensorDataset: x contains NaN at row 1, element 0; remove or impute missing values before training');
    expect(() => new TensorDataset(kiln.zeros([3, 2]), kiln.zeros([4]))).toThrow(/same number of rows/);
  });

  it('splits into train and test reproducibly', () => {
    const ds = kiln.data.flower({ n: 100 });
    const [a, b] = kiln.trainTestSplit(ds, { testFraction: 0.2, seed: 3 });
    expect([a.length, b.length]).toEqual([80, 20]);
    const [a2] = kiln.trainTestSplit(ds, { testFraction: 0.2, seed: 3 });
    expect(Array.from(a2.x.values)).toEqual(Array.from(a.x.values));
    expect(() => kiln.trainTestSplit(ds, { testFraction: 1 })).toThrow(ValueError);
  });
});

describe('fit reaches the course\'s quality bars', () => {
  it('beans: ≥ 95% with the demo\'s network (1-2-1 sigmoid, squared error, per-sample SGD α = 0.03)', async () => {
    manualSeed(0);
    const beans = kiln.data.beans({ n: 100, seed: 0 });
    const model = new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid());
    const { history } = await kiln.fit(model, beans, {
      epochs: 2000, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.03 }), loss: 'mseLoss', metrics: ['accuracy'],
    });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
    expect((await kiln.evaluate(model, beans, { loss: 'mseLoss', metrics: ['accuracy'] })).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('flower: ≥ 88% test accuracy with 4 tanh units', async () => {
    manualSeed(0);
    const [train, test] = kiln.trainTestSplit(kiln.data.flower({ seed: 0 }), { testFraction: 0.25, seed: 0 });
    const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 1));
    const { history } = await kiln.fit(model, train, {
      epochs: 1500, batchSize: 'full', optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
      loss: 'binaryCrossEntropyWithLogits', metrics: ['accuracy'], validationData: test,
    });
    expect(history.valAccuracy!.at(-1)!).toBeGreaterThanOrEqual(0.88);
    // Logistic regression cannot: the flower is not linearly separable.
    const logistic = new nn.Linear(2, 1);
    await kiln.fit(logistic, train, { epochs: 300, batchSize: 'full', optimizer: new optim.Adam(logistic.parameters(), { lr: 0.05 }), loss: 'binaryCrossEntropyWithLogits' });
    expect((await kiln.evaluate(logistic, test, { loss: 'binaryCrossEntropyWithLogits', metrics: ['accuracy'] })).accuracy).toBeLessThan(0.7);
  });

  it('XOR: a 2-2-1 network solves it', async () => {
    manualSeed(1);
    const xorSet = new TensorDataset(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tensor([[0], [1], [1], [0]]));
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh(), new nn.Linear(2, 1), new nn.Sigmoid());
    await kiln.fit(model, xorSet, { epochs: 2000, batchSize: 'full', optimizer: new optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 }), loss: 'binaryCrossEntropy' });
    const p = await kiln.predict(model, xorSet.x);
    expect(Array.from(p.values).map((v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });

  it('blobs: a softmax classifier with crossEntropy and int32 labels', async () => {
    manualSeed(0);
    const ds = kiln.data.blobs({ n: 300, classes: 4 });
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 4));
    const { history } = await kiln.fit(model, ds, { epochs: 30, batchSize: 32, optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }), loss: 'crossEntropy', metrics: ['accuracy'] });
    expect(history.accuracy!.at(-1)!).toBeGreaterThan(0.95);
  });
});

describe('fit mechanics', () => {
  const setup = (): { model: kiln.nn.Sequential; ds: kiln.TensorDataset } => {
    manualSeed(0);
    return { model: new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 1)), ds: kiln.data.flower({ n: 80 }) };
  };

  it('stops with an error naming the epoch and batch when the loss becomes NaN', async () => {
    const { model, ds } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1e30 });
    await expect(kiln.fit(model, ds, { epochs: 5, batchSize: 16, optimizer: opt, loss: 'mseLoss' })).rejects.toThrow(/fit: the loss became (NaN|Infinity) at epoch \d+, batch \d+; lower the learning rate/);
  });

  it('calls callbacks, applies a schedule and the L2 term, and stops early', async () => {
    const { model, ds } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const seen: string[] = [];
    const stopper = new kiln.EarlyStopping({ monitor: 'loss', patience: 0, minDelta: 10 });
    const r = await kiln.fit(model, ds, {
      epochs: 10, batchSize: 40, optimizer: opt, loss: 'binaryCrossEntropyWithLogits', l2: 0.1,
      scheduler: new optim.InverseTimeLR(opt, { decayRate: 1 }),
      callbacks: [{ onEpochEnd: (e) => { seen.push(`epoch ${e}`); }, onBatchEnd: (b) => { seen.push(`batch ${b}`); } }, stopper],
    });
    expect(seen.slice(0, 3)).toEqual(['batch 0', 'batch 1', 'epoch 0']);
    expect(r.epochs).toBe(2); // no 10-unit improvement after the first epoch
    expect(r.stoppedEarly).toBe(true);
    expect(stopper.stoppedEpoch).toBe(1);
    expect(r.history.lr).toEqual([0.1 / 2, 0.1 / 3]); // the course's epochs 1 and 2
  });


  it('an epoch at a time with initialEpoch trains as one call does, its epochs numbered on', async () => {
    const run = async (oneAtATime: boolean): Promise<{ weights: number[]; epochs: number[]; lr: number[] }> => {
      const { model, ds } = setup();
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const scheduler = new optim.InverseTimeLR(opt, { decayRate: 1 });
      const epochs: number[] = [], lr: number[] = [];
      const options = { batchSize: 16, optimizer: opt, loss: 'binaryCrossEntropyWithLogits' as const, l2: 0.01, scheduler, onEpochEnd: (e: number) => { epochs.push(e); } };
      if (oneAtATime) {
        for (let e = 0; e < 4; e++) lr.push(...(await kiln.fit(model, ds, { ...options, initialEpoch: e, epochs: e + 1 })).history.lr!);
      } else lr.push(...(await kiln.fit(model, ds, { ...options, epochs: 4 })).history.lr!);
      return { weights: model.parameters().flatMap((p) => Array.from(p.dataSync())), epochs, lr };
    };
    const whole = await run(false), stepped = await run(true);
    expect(stepped.epochs).toEqual([0, 1, 2, 3]);
    expect(stepped.lr).toEqual(whole.lr);
    expect(stepped.weights).toEqual(whole.weights);
    const { model, ds } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1e30 });
    await expect(kiln.fit(model, ds, { initialEpoch: 6, epochs: 7, batchSize: 16, optimizer: opt, loss: 'mseLoss' })).rejects.toThrow(/the loss became (NaN|Infinity) at epoch 7, batch \d+/);
    await expect(kiln.fit(model, ds, { initialEpoch: 3, epochs: 2, optimizer: opt, loss: 'mseLoss' })).rejects.toThrow('fit: initialEpoch 3 is past epochs 2');
    expect((await kiln.fit(model, ds, { initialEpoch: 2, epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: 'mseLoss' })).epochs).toBe(2);
  });
  it('restores the best weights when asked', async () => {
    const { model, ds } = setup();
    const snapshot: number[][] = [];
    const stopper = new kiln.EarlyStopping({ monitor: 'loss', patience: 1, minDelta: 1e9, restoreBestWeights: true });
    await kiln.fit(model, ds, {
      epochs: 10, batchSize: 'full', optimizer: new optim.SGD(model.parameters(), { lr: 0.5 }), loss: 'binaryCrossEntropyWithLogits',
      callbacks: [{ onEpochEnd: (e, _l, ctx) => { if (e === 0) snapshot.push(...ctx.model.parameters().map((p) => Array.from(p.values))); } }, stopper],
    });
    expect(model.parameters().map((p) => Array.from(p.values))).toEqual(snapshot);
    await expect(kiln.fit(model, ds, { epochs: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: 'mseLoss', callbacks: [new kiln.EarlyStopping()] })).rejects.toThrow(/no "valLoss" in the logs/);
  });

  it('evaluate and predict run in eval mode and batch by batch', async () => {
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Dropout(0.5), new nn.Linear(8, 1));
    const x = kiln.randn([10, 2]);
    const a = await kiln.predict(model, x);
    const b = await kiln.predict(model, x, { batchSize: 3 });
    expect(Array.from(b.values).map((v) => v.toFixed(5))).toEqual(Array.from(a.values).map((v) => v.toFixed(5)));
    expect(model.training).toBe(true);
    expect(a.requiresGrad).toBe(false);
  });

  it('rejects bad options', async () => {
    const { model, ds } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    await expect(kiln.fit(model, ds, { epochs: 0, optimizer: opt, loss: 'mseLoss' })).rejects.toThrow('fit: epochs must be an integer ≥ 1, got 0');
    await expect(kiln.fit(model, ds, { epochs: 1, optimizer: opt, loss: 'hinge' as never })).rejects.toThrow(/loss must be one of/);
    await expect(kiln.fit(model, ds, { epochs: 1, optimizer: opt, loss: 'mseLoss', metrics: ['f1' as never] })).rejects.toThrow(/metric must be one of/);
    await expect(kiln.fit(model, ds, { epochs: 1, optimizer: opt, loss: 'mseLoss', l2: -1 })).rejects.toThrow(ValueError);
  });
});

describe('memory', () => {
  it('stays flat over 10,000 training steps', () => {
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 1));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = kiln.randn([8, 2]);
    const y = kiln.randn([8, 1]);
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'tests run with --expose-gc (vitest.config.ts)').toBeTypeOf('function');
    const heap = (): number => { gc!(); return process.memoryUsage().heapUsed; };
    const steps = (n: number): void => {
      for (let i = 0; i < n; i++) {
        opt.zeroGrad();
        nn.functional.mseLoss(model.forward(x), y).backward();
        opt.step();
      }
    };
    steps(1000);
    const before = heap();
    steps(10000);
    const after = heap();
    // Every step allocates ~30 tensors; if any were retained, 10,000 steps would hold hundreds of MB.
    expect(after - before).toBeLessThan(20 * 1024 * 1024);
  });
});
