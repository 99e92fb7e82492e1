import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { ShapeError } from '../../index.js';

const { nn, manualSeed, randn } = kiln;

describe('Conv2d layer', () => {
  it('has [out, in, kH, kW] filters and PyTorch\'s default initialisation', () => {
    manualSeed(0);
    const c = new nn.Conv2d(3, 8, [3, 5], { padding: [1, 2] });
    expect(c.weight.shape).toEqual([8, 3, 3, 5]);
    expect(c.bias!.shape).toEqual([8]);
    const bound = 1 / Math.sqrt(3 * 3 * 5);
    expect(c.weight.abs().max().item()).toBeLessThanOrEqual(bound);
    expect(c.bias!.abs().max().item()).toBeLessThanOrEqual(bound);
    expect(c.forward(randn([2, 3, 6, 7])).shape).toEqual([2, 8, 6, 7]);
    expect(c.outputShape([2, 3, 6, 7])).toEqual([2, 8, 6, 7]);
  });

  it('refuses a 3-D input, the wrong channel count, and nonsense config', () => {
    const c = new nn.Conv2d(1, 6, 5);
    expect(() => c.forward(randn([1, 28, 28]))).toThrow('Conv2d: expected a 4-D input [N, 1, H, W], got 3-D [1, 28, 28]; for a single image use x.unsqueeze(0)');
    expect(() => c.forward(randn([1, 3, 28, 28]))).toThrow('conv2d: the input has 3 channels but the weight [6, 1, 5, 5] expects 1');
    expect(() => c.outputShape([1, 1, 4, 4])).toThrow(ShapeError);
    expect(() => new nn.Conv2d(1, 6, 0)).toThrow(/kernelSize must be an integer ≥ 1/);
    expect(() => new nn.Conv2d(1, 6, 3, { padding: 'same', stride: 2 })).toThrow(/'same' needs stride 1/);
    expect(() => new nn.Conv2d(1, 6, 3, { padding: -1 })).toThrow(/padding must be an integer ≥ 0/);
  });
});

describe('pooling layers', () => {
  it('default the stride to the kernel and compute their output shapes', () => {
    const x = randn([2, 3, 9, 8]);
    for (const layer of [new nn.MaxPool2d(2), new nn.AvgPool2d(2), new nn.MaxPool2d(3, { stride: 2, padding: 1 }), new nn.AdaptiveAvgPool2d([2, 3])]) {
      expect(layer.forward(x).shape).toEqual(layer.outputShape(x.shape));
    }
    expect(new nn.MaxPool2d(2).outputShape([2, 3, 9, 8])).toEqual([2, 3, 4, 4]);
    expect(new nn.AdaptiveAvgPool2d(1).forward(kiln.ones([1, 2, 5, 5])).toArray()).toEqual([[[[1]], [[1]]]]);
    expect(() => new nn.MaxPool2d(2, { padding: 2 })).toThrow(/at most half the kernel/);
  });
});

describe('BatchNorm', () => {
  it('normalises with batch statistics in training and updates running ones', () => {
    manualSeed(0);
    const bn = new nn.BatchNorm2d(3, { momentum: 0.5 });
    const x = randn([8, 3, 4, 4]).mul(3).add(5);
    const y = bn.forward(x);
    const m = y.mean([0, 2, 3]);
    const v = y.var([0, 2, 3], { correction: 0 });
    for (let c = 0; c < 3; c++) {
      expect(m.values[c]!).toBeCloseTo(0, 5);
      expect(v.values[c]!).toBeCloseTo(1, 3);
    }
    const batchMean = x.mean([0, 2, 3]);
    const batchVar = x.var([0, 2, 3]); // unbiased, as PyTorch keeps it
    for (let c = 0; c < 3; c++) {
      expect(bn.runningMean.values[c]!).toBeCloseTo(0.5 * batchMean.values[c]!, 4);
      expect(bn.runningVar.values[c]!).toBeCloseTo(0.5 + 0.5 * batchVar.values[c]!, 3);
    }
  });

  it('uses the running statistics in eval mode, and saves them in the state dict', () => {
    const bn = new nn.BatchNorm1d(2);
    kiln.noGrad(() => { bn.runningMean.copy_(kiln.tensor([1, -1])); bn.runningVar.copy_(kiln.tensor([4, 9])); });
    bn.eval();
    const y = bn.forward(kiln.tensor([[3, 2]]));
    expect(y.values[0]).toBeCloseTo(1, 4);
    expect(y.values[1]).toBeCloseTo(1, 4);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'runningMean', 'runningVar']);
    const again = nn.fromConfig(bn.toConfig()) as kiln.nn.BatchNorm1d;
    again.loadStateDict(bn.stateDict());
    expect(Array.from(again.runningVar.values)).toEqual([4, 9]);
    expect(() => bn.forward(kiln.zeros([4, 3]))).toThrow('BatchNorm1d: expected [N, C] or [N, C, L] with C = 2, got [4, 3]');
  });

  it('round-trip conv, pool and batch-norm configs', () => {
    for (const l of [new nn.Conv2d(3, 4, [2, 3], { stride: 2, padding: 'valid', dilation: [1, 2], bias: false, init: 'kaimingNormal' }), new nn.MaxPool2d(3, { stride: 2, padding: 1 }), new nn.AvgPool2d(2), new nn.AdaptiveAvgPool2d(1), new nn.BatchNorm2d(4, { eps: 1e-3, momentum: 0.2, affine: false })]) {
      expect(nn.fromConfig(JSON.parse(JSON.stringify(l.toConfig()))).toConfig()).toEqual(l.toConfig());
    }
  });
});
