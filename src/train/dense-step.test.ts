import { describe, expect, it, vi } from 'vitest';
import * as kiln from '../index.js';
import { DenseStep } from './dense-step.js';
import type { MetricName } from './metrics.js';

const { nn, optim } = kiln;

interface Run {
  /** Batches the dense step trained. */
  denseSteps: number;
  history: Record<string, number[]>;
  /** Every batch's loss, as onBatchEnd saw it. */
  batchLosses: number[];
  params: number[][];
  grads: (number[] | null)[];
}

/**
 * Trains a model made by `make` (seeded, so both runs start from the same weights) on `data`, and
 * returns what a user sees: the history, each batch's loss, the weights and their last gradients.
 * `fuse: false` is the reference: the layers one by one, through the general step.
 */
async function train(make: () => kiln.nn.Sequential, data: kiln.TensorDataset, fuse: boolean, options: {
  batchSize: number | 'full'; optimizer: (params: kiln.Tensor[]) => kiln.optim.Optimizer<{ lr: number }>; metrics?: MetricName[]; epochs?: number; shuffle?: boolean;
  trainable?: (model: kiln.nn.Sequential) => kiln.Tensor[];
}): Promise<Run> {
  kiln.manualSeed(11);
  const model = make();
  const params = options.trainable?.(model) ?? model.parameters();
  const batchLosses: number[] = [];
  const spy = vi.spyOn(DenseStep.prototype, 'forward');
  const { history } = await kiln.fit(model, data, {
    epochs: options.epochs ?? 3, batchSize: options.batchSize, optimizer: options.optimizer(params), loss: 'mseLoss',
    metrics: options.metrics, shuffle: options.shuffle, fuse, onBatchEnd: (_, logs) => { batchLosses.push(logs.loss!); },
  });
  const denseSteps = spy.mock.calls.length;
  spy.mockRestore();
  return { denseSteps, history, batchLosses, params: model.parameters().map((p) => Array.from(p.values)), grads: model.parameters().map((p) => (p.grad ? Array.from(p.grad.values) : null)) };
}

const beansNet = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid());

describe('fit\'s dense step (a small dense network, mseLoss, the CPU)', () => {
  it('trains the beans network one example at a time to the same weights, losses, accuracy and gradients as the layers one by one', async () => {
    const beans = kiln.data.beans({ n: 30, seed: 2 });
    const sgd = (p: kiln.Tensor[]): kiln.optim.Optimizer<{ lr: number }> => new optim.SGD(p, { lr: 0.5 });
    const plain = await train(beansNet, beans, false, { batchSize: 1, optimizer: sgd, metrics: ['accuracy'], epochs: 20 });
    const fused = await train(beansNet, beans, true, { batchSize: 1, optimizer: sgd, metrics: ['accuracy'], epochs: 20 });
    expect(plain.denseSteps).toBe(0);
    expect(fused.denseSteps).toBe(600);
    expect({ ...fused, denseSteps: 0 }).toEqual(plain);
    expect(plain.history.loss!.at(-1)!).toBeLessThan(plain.history.loss![0]!); // it learned: the comparison is not of two idle runs
  });

  it('gives the same results for mini-batches (a smaller last batch), the whole set, float64, three layers of each activation and Adam', async () => {
    kiln.manualSeed(5);
    const x = kiln.randn([25, 3], { dtype: 'float64' }), y = kiln.rand([25, 2], { dtype: 'float64' });
    const data = new kiln.TensorDataset(x, y);
    const make = (): kiln.nn.Sequential => new nn.Sequential(
      new nn.Linear(3, 4, { dtype: 'float64' }), new nn.Tanh(), new nn.Linear(4, 3, { dtype: 'float64' }), new nn.ReLU(), new nn.Linear(3, 2, { dtype: 'float64' }), new nn.Sigmoid());
    const adam = (p: kiln.Tensor[]): kiln.optim.Optimizer<{ lr: number }> => new optim.Adam(p, { lr: 0.05 });
    for (const [batchSize, shuffle] of [[10, true], [10, false], ['full', false], ['full', true]] as const) {
      const plain = await train(make, data, false, { batchSize, shuffle, optimizer: adam, metrics: ['binaryAccuracy'] });
      const fused = await train(make, data, true, { batchSize, shuffle, optimizer: adam, metrics: ['binaryAccuracy'] });
      expect(fused.denseSteps).toBe(plain.batchLosses.length);
      expect({ ...fused, denseSteps: 0 }, `batchSize ${batchSize}, shuffle ${shuffle}`).toEqual(plain);
    }
  });

  it('gives the same results with layers without a bias, a frozen first layer, and a lone Linear → activation pair', async () => {
    const beans = kiln.data.beans({ n: 20, seed: 3 });
    const momentum = (p: kiln.Tensor[]): kiln.optim.Optimizer<{ lr: number }> => new optim.Momentum(p, { lr: 0.3 });
    const noBias = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(1, 3, { bias: false }), new nn.Tanh(), new nn.Linear(3, 1), new nn.Sigmoid());
    const frozenFirst = (model: kiln.nn.Sequential): kiln.Tensor[] => {
      const [w1, b1, ...rest] = model.parameters();
      w1!.requiresGrad = false;
      b1!.requiresGrad = false;
      return rest;
    };
    const lone = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(1, 1), new nn.Sigmoid());
    for (const [make, trainable] of [[noBias, undefined], [beansNet, frozenFirst], [lone, undefined]] as const) {
      for (const batchSize of [1, 4]) {
        const plain = await train(make, beans, false, { batchSize, optimizer: momentum, trainable });
        const fused = await train(make, beans, true, { batchSize, optimizer: momentum, trainable });
        expect(fused.denseSteps).toBe(plain.batchLosses.length);
        expect({ ...fused, denseSteps: 0 }).toEqual(plain);
      }
    }
  });

  it('applies only where it computes what the general step would, and fit\'s errors stay the general step\'s', async () => {
    const beans = kiln.data.beans({ n: 10, seed: 0 });
    const of = (model: kiln.nn.Module, options: { loss?: unknown; metrics?: MetricName[]; penalties?: number; data?: kiln.TensorDataset } = {}): DenseStep | null =>
      DenseStep.of(nn.fuse(model), options.data ?? beans, options.loss ?? 'mseLoss', options.metrics ?? [], options.penalties ?? 0);
    expect(of(beansNet())).not.toBeNull();
    expect(of(beansNet(), { loss: 'binaryCrossEntropy' })).toBeNull();
    expect(of(beansNet(), { loss: kiln.nn.functional.mseLoss })).toBeNull(); // a function: fit cannot know what it computes
    expect(of(beansNet(), { penalties: 0.1 })).toBeNull(); // l2 or l1
    expect(of(new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Dropout(0.5), new nn.Linear(2, 1), new nn.Sigmoid()))).toBeNull();
    expect(of(new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1)))).toBeNull(); // a linear output is a step of its own
    class Twice extends nn.Sequential {
      override forward(x: kiln.Tensor): kiln.Tensor { return super.forward(x).mul(2); }
    }
    expect(of(new Twice(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid()))).toBeNull();
    const oneHot = new kiln.TensorDataset(kiln.rand([6, 1]), kiln.rand([6, 2]));
    const two = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(1, 3), new nn.Tanh(), new nn.Linear(3, 2), new nn.Sigmoid());
    expect(of(two(), { data: oneHot, metrics: ['binaryAccuracy'] })).not.toBeNull();
    expect(of(two(), { data: oneHot, metrics: ['accuracy'] })).toBeNull(); // class labels for two outputs: the general step's error
    // Too much work per layer for one pass: that batch size takes the general step.
    const wide = of(new nn.Sequential(new nn.Linear(1, 40), new nn.Sigmoid(), new nn.Linear(40, 1), new nn.Sigmoid()))!;
    expect(wide.runs(1)).toBe(true);
    expect(wide.runs(20)).toBe(false);

    // Targets of another shape than the output: the general step's ShapeError, as before.
    const flat = new kiln.TensorDataset(kiln.rand([6, 1]), kiln.rand([6]));
    await expect(kiln.fit(beansNet(), flat, { epochs: 1, batchSize: 1, optimizer: new optim.SGD(beansNet().parameters(), { lr: 0.1 }), loss: 'mseLoss' }))
      .rejects.toThrow(/mseLoss: input \[1, 1\] and target \[1\] must have the same shape/);
    // A NaN loss stops training with fit's error, before the weights change.
    const model = beansNet();
    const before = model.parameters().map((p) => Array.from(p.values));
    const huge = new kiln.TensorDataset(kiln.tensor([[1e30]]), kiln.tensor([[1e30]]));
    await expect(kiln.fit(model, huge, { epochs: 1, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: 'mseLoss' }))
      .rejects.toThrow(/the loss became Infinity at epoch 1, batch 1/);
    expect(model.parameters().map((p) => Array.from(p.values))).toEqual(before);
  });

  it('reads the layers\' parameters afresh each step: one replaced by a callback is trained as the general step would', async () => {
    const beans = kiln.data.beans({ n: 8, seed: 4 });
    const run = async (fuse: boolean): Promise<number[][]> => {
      kiln.manualSeed(7);
      const model = beansNet();
      const first = model.layers[0] as kiln.nn.Linear;
      await kiln.fit(model, beans, {
        epochs: 2, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.2 }), loss: 'mseLoss', fuse,
        // Halves the first weight in place after each batch (as a user's clipping or projection might).
        onBatchEnd: () => { kiln.noGrad(() => first.weight.mul_(0.5)); },
      });
      return model.parameters().map((p) => Array.from(p.values));
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('gives way to the general step when a callback changes the model: a layer added after the first epoch is trained', async () => {
    const beans = kiln.data.beans({ n: 8, seed: 5 });
    const run = async (fuse: boolean): Promise<{ params: number[][]; loss: number[] }> => {
      kiln.manualSeed(8);
      const model = beansNet();
      const { history } = await kiln.fit(model, beans, {
        epochs: 3, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.2 }), loss: 'mseLoss', fuse,
        onEpochEnd: (epoch) => { if (epoch === 0) model.add(new nn.Sigmoid()); },
      });
      return { params: model.parameters().map((p) => Array.from(p.values)), loss: history.loss! };
    };
    const fused = await run(true), plain = await run(false);
    expect(fused).toEqual(plain);
    expect(plain.loss[2]).not.toBe(plain.loss[0]);
  });
});
