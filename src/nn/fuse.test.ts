import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';

const { nn } = kiln;

/** Output and every parameter's gradient of `m` on x (a weighted sum as the loss). */
function run(m: kiln.nn.Sequential, x: kiln.Tensor, weights: kiln.Tensor): number[][] {
  m.zeroGrad();
  const y = m.forward(x);
  y.mul(weights).sum().backward();
  return [Array.from(y.values), ...m.parameters().map((p) => Array.from(p.grad!.values))];
}

describe('the fusion pass', () => {
  it('runs Conv2d → ReLU → MaxPool2d as one op, with the values and gradients of the layers, names and saved weights unchanged', () => {
    kiln.manualSeed(3);
    const m = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(4, 3, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten());
    const x = kiln.randn([3, 2, 12, 12]), weights = kiln.randn([3, 12]);
    const names = Object.keys(m.stateDict());
    const plain = run(m, x, weights);
    expect(kiln.nn.isFused(m)).toBe(false);
    nn.fuse(m);
    expect(kiln.nn.isFused(m)).toBe(true);
    expect(m.forward(x).gradFn!.inputs[0]!.gradFn!.name).toBe('conv2dReluMaxPool');
    const fused = run(m, x, weights);
    expect(plain[0]!.filter((v) => v === 0).length).toBeGreaterThan(0); // the ReLUs cut
    fused.forEach((a, i) => a.forEach((v, j) => expect(v).toBeCloseTo(plain[i]![j]!, 4)));
    expect(Object.keys(m.stateDict())).toEqual(names);
    nn.fuse(m, { enabled: false });
    expect(kiln.nn.isFused(m)).toBe(false);
    run(m, x, weights).forEach((a, i) => a.forEach((v, j) => expect(v).toBe(plain[i]![j]!)));
  });

  it('runs Linear → Sigmoid, Tanh or ReLU as one op, and a run of them as one denseStack, with the values and gradients of the layers', () => {
    kiln.manualSeed(4);
    const m = new nn.Sequential(new nn.Linear(3, 5), new nn.Sigmoid(), new nn.Linear(5, 4), new nn.Tanh(), new nn.Linear(4, 6), new nn.ReLU(), new nn.Linear(6, 2));
    /** The graph's node names from the output back to the input. */
    const nodes = (x: kiln.Tensor): string[] => {
      const names: string[] = [];
      for (let t = m.forward(x); t.gradFn; t = t.gradFn.inputs[0]!) names.push(t.gradFn.name);
      return names;
    };
    // 7 rows: every layer small, the three pairs one pass; 40 rows: 40·3·5 > 512, each pair its own op.
    for (const [rows, names] of [[7, ['linear', 'denseStack']], [40, ['linear', 'linearRelu', 'linearTanh', 'linearSigmoid']]] as const) {
      nn.fuse(m, { enabled: false });
      const x = kiln.randn([rows, 3]), weights = kiln.randn([rows, 2]);
      const plain = run(m, x, weights);
      nn.fuse(m);
      expect(kiln.nn.isFused(m)).toBe(true);
      expect(nodes(x)).toEqual(names);
      expect(run(m, x, weights)).toEqual(plain);
    }
    // A lone pair is linearActivation's.
    const pair = nn.fuse(new nn.Sequential(new nn.Linear(3, 5), new nn.Sigmoid(), new nn.Linear(5, 2)));
    expect(pair.forward(kiln.randn([2, 3])).gradFn!.inputs[0]!.gradFn!.name).toBe('linearSigmoid');
  });

  it('trains the beans demo\'s network to the same weights fused or not', async () => {
    const beans = kiln.data.beans({ n: 40, seed: 1 });
    const train = async (fuse: boolean): Promise<number[][]> => {
      kiln.manualSeed(2);
      const m = new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid());
      await kiln.fit(m, beans, { epochs: 3, batchSize: 1, optimizer: new kiln.optim.SGD(m.parameters(), { lr: 0.5 }), loss: 'mseLoss', fuse });
      expect(kiln.nn.isFused(m)).toBe(fuse);
      return m.parameters().map((p) => Array.from(p.values));
    };
    expect(await train(true)).toEqual(await train(false));
  });

  it('leaves alone what the fused ops do not compute: another activation, a padded pool, a grouped conv, a lone conv, an activation before a Linear', () => {
    const conv = new nn.Conv2d(2, 4, 3);
    for (const layers of [
      [conv, new nn.LeakyReLU(), new nn.MaxPool2d(2)],
      [conv, new nn.ReLU(), new nn.MaxPool2d(3, { padding: 1 })],
      [new nn.Conv2d(2, 4, 3, { groups: 2 }), new nn.ReLU(), new nn.MaxPool2d(2)],
      [conv, new nn.ReLU()],
      [new nn.Linear(2, 3), new nn.LeakyReLU()],
      [new nn.Linear(2, 3), new nn.Softmax(1)],
      [new nn.Sigmoid(), new nn.Linear(2, 3)],
    ]) {
      expect(kiln.nn.isFused(nn.fuse(new nn.Sequential(...layers)))).toBe(false);
    }
  });

  it('reaches Sequentials nested in a model, and a layer added later clears the plan (fuse again)', () => {
    const inner = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.MaxPool2d(2));
    const outer = new nn.Sequential(inner, new nn.Flatten());
    nn.fuse(outer);
    expect(kiln.nn.isFused(inner)).toBe(true);
    inner.add(new nn.ReLU());
    expect(kiln.nn.isFused(inner)).toBe(false);
    expect(inner.forward(kiln.randn([1, 1, 8, 8])).shape).toEqual([1, 2, 3, 3]);
  });

  it('is applied by fit, evaluate and predict unless told fuse: false, and refuses unknown options', async () => {
    const make = () => new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(18, 2));
    const data = new kiln.TensorDataset(kiln.randn([8, 1, 8, 8]), kiln.tensor([0, 1, 0, 1, 0, 1, 0, 1], { dtype: 'int32' }));
    const a = make(), b = make();
    await kiln.fit(a, data, { epochs: 1, optimizer: new kiln.optim.SGD(a.parameters(), { lr: 0.1 }), loss: 'crossEntropy' });
    await kiln.fit(b, data, { epochs: 1, optimizer: new kiln.optim.SGD(b.parameters(), { lr: 0.1 }), loss: 'crossEntropy', fuse: false });
    expect([kiln.nn.isFused(a), kiln.nn.isFused(b)]).toEqual([true, false]);
    await kiln.predict(b, data.x, { fuse: false });
    expect(kiln.nn.isFused(b)).toBe(false);
    await kiln.evaluate(b, data, { loss: 'crossEntropy' });
    expect(kiln.nn.isFused(b)).toBe(true);
    expect(() => nn.fuse(a, { enabeld: false } as never)).toThrow(/enabeld.*enabled/);
  });
});
