import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';

const { nn, manualSeed } = kiln;

describe('Sequential and Module', () => {
  const make = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(3, 1));

  it('names parameters by dotted path', () => {
    const m = make();
    expect([...m.namedParameters()].map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(['0.weight:3x2', '0.bias:3', '3.weight:1x3', '3.bias:1']);
    expect(m.parameters()).toHaveLength(4);
    expect(m.children()).toHaveLength(4);
    expect([...m.modules()]).toHaveLength(5);
    const outer = new nn.Sequential(m, new nn.Sigmoid());
    expect([...outer.namedParameters()][0]![0]).toBe('0.0.weight');
  });

  it('switches train/eval in every descendant', () => {
    const m = make().eval();
    expect([...m.modules()].every((x) => !x.training)).toBe(true);
    m.train();
    expect([...m.modules()].every((x) => x.training)).toBe(true);
  });

  it('saves and loads a state dict, checking names and shapes', () => {
    manualSeed(0);
    const a = make();
    const b = make();
    const x = kiln.randn([5, 2]);
    a.eval(); b.eval();
    expect(Array.from(a.forward(x).data)).not.toEqual(Array.from(b.forward(x).data));
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
    const sd = a.stateDict();
    const { ['3.bias']: _, ...missing } = sd;
    expect(() => b.loadStateDict(missing)).toThrow('loadStateDict: missing 3.bias');
    expect(() => b.loadStateDict({ ...sd, ['0.weight']: kiln.zeros([2, 2]) })).toThrow(/0.weight has shape \[2, 2\] in the state but \[3, 2\]/);
  });

  it('round-trips its architecture through toConfig/fromConfig', () => {
    const m = make();
    const again = nn.fromConfig(JSON.parse(JSON.stringify(m.toConfig())));
    expect(again.toConfig()).toEqual(m.toConfig());
    expect(() => nn.fromConfig({ type: 'Conv7d' })).toThrow(/unknown layer type "Conv7d"/);
    expect(() => new nn.Sequential(42 as never)).toThrow(/argument 0 is not a Module/);
  });

  it('runs a Conv2d followed by a ReLU and a MaxPool2d as one fused op, with the values and gradients of the layers', () => {
    manualSeed(3);
    const m = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(4, 3, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten());
    const x = kiln.randn([3, 2, 8, 8]);
    const weights = kiln.randn([3, 3 * 3 * 3]);
    const run = (forward: () => kiln.Tensor): number[][] => {
      m.zeroGrad();
      const y = forward();
      y.mul(weights).sum().backward();
      return [Array.from(y.data), ...m.parameters().map((p) => Array.from(p.grad!.data))];
    };
    const fused = run(() => m.forward(x));
    const layerByLayer = run(() => m.layers.reduce((h, layer) => layer.forward(h), x));
    expect(fused[0]!.filter((v) => v === 0).length).toBeGreaterThan(0); // the ReLUs cut
    fused.forEach((a, i) => a.forEach((v, j) => expect(v).toBeCloseTo(layerByLayer[i]![j]!, 4)));
    // fused: the ReLU's output comes straight from the conv op (a LeakyReLU is left as it is)
    expect(new nn.Sequential(m.layers[0]!, m.layers[1]!).forward(x).gradFn!.name).toBe('conv2dRelu');
    expect(new nn.Sequential(m.layers[0]!, new nn.LeakyReLU()).forward(x).gradFn!.name).not.toBe('conv2dRelu');
    // and with a following max pooling (not one with padding, which the fused op does not take)
    expect(new nn.Sequential(m.layers[0]!, m.layers[1]!, new nn.MaxPool2d(2)).forward(x).gradFn!.name).toBe('conv2dReluMaxPool');
    expect(new nn.Sequential(m.layers[0]!, new nn.MaxPool2d(3, { stride: 2 })).forward(x).gradFn!.name).toBe('conv2dMaxPool');
    expect(new nn.Sequential(m.layers[0]!, m.layers[1]!, new nn.MaxPool2d(3, { padding: 1 })).forward(x).gradFn!.name).toBe('maxPool2d');
  });

  it('zeroGrad clears parameter gradients', () => {
    const m = make();
    m.forward(kiln.randn([2, 2])).sum().backward();
    expect(m.parameters()[0]!.grad).not.toBeNull();
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });
});
