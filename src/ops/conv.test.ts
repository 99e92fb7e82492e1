import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { ShapeError, ValueError } from '../index.js';
import type { Tensor } from '../index.js';
import { describeWebgpuGradchecks } from '../../test/gpu-gradcheck.js';

const F = kiln.nn.functional;
const { gradcheck, manualSeed, randn, tensor } = kiln;

/** Inputs whose pooling windows have a clear max (distinct values), so max pooling is smooth. */
const distinct = (shape: number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  manualSeed(11);
  const perm = new kiln.Generator(5).permutation(n);
  return tensor(Float64Array.from(perm, (v) => v * 0.1), { shape });
};

const CONV_CASES: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
  ['conv2d stride 2, padding 1, 2 channels, bias', (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }), () => [randn([2, 2, 5, 6]), randn([3, 2, 3, 3]), randn([3])]],
  ['conv2d non-square kernel, [h, w] padding and stride', (x, w) => F.conv2d(x, w, null, { stride: [1, 2], padding: [2, 0] }), () => [randn([1, 3, 4, 7]), randn([2, 3, 2, 3])]],
  ['conv2d dilation 2', (x, w) => F.conv2d(x, w, null, { dilation: 2 }), () => [randn([1, 2, 7, 7]), randn([2, 2, 3, 3])]],
  ['conv2d groups 2, bias', (x, w, b) => F.conv2d(x, w, b, { groups: 2, padding: 1 }), () => [randn([2, 4, 5, 5]), randn([6, 2, 3, 3]), randn([6])]],
  ['conv2d depthwise (groups = channels), two filters each', (x, w) => F.conv2d(x, w, null, { groups: 3 }), () => [randn([1, 3, 5, 4]), randn([6, 1, 2, 2])]],
  ["conv2d 'same' with an even kernel", (x, w) => F.conv2d(x, w, null, { padding: 'same' }), () => [randn([2, 1, 5, 4]), randn([2, 1, 4, 2])]],
  ['maxPool2d 3×3 stride 2 padding 1', (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), () => [distinct([2, 2, 6, 5])]],
  ['maxPool2d non-square', (x) => F.maxPool2d(x, [2, 3]), () => [distinct([1, 3, 4, 6])]],
  ['avgPool2d 3×3 stride 1 padding 1', (x) => F.avgPool2d(x, 3, { stride: 1, padding: 1 }), () => [randn([1, 2, 5, 5])]],
  ['avgPool2d stride 2 on odd sizes', (x) => F.avgPool2d(x, 2), () => [randn([2, 1, 5, 7])]],
  ['adaptiveAvgPool2d to sizes that do not divide', (x) => F.adaptiveAvgPool2d(x, [3, 2]), () => [randn([1, 2, 7, 5])]],
  ['adaptiveAvgPool2d global', (x) => F.adaptiveAvgPool2d(x, 1), () => [randn([2, 3, 4, 4])]],
  ['batchNorm 1-D training, affine', (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), () => [randn([6, 3]), randn([3]), randn([3])]],
  ['batchNorm 2-D training', (x, w) => F.batchNorm(x, null, null, { weight: w, training: true }), () => [randn([3, 2, 3, 2]), randn([2])]],
];

describe('gradcheck of conv, pool and batch norm on awkward shapes (float64)', () => {
  for (const [name, fn, make] of CONV_CASES) {
    it(name, () => {
      manualSeed(3);
      const r = gradcheck(fn, make());
      if (!r.ok) expect.fail(`${name}: relative error ${r.relativeError}, worst ${JSON.stringify(r.worst)}`);
    });
  }
});

describeWebgpuGradchecks('gradcheck of conv, pool and batch norm on the webgpu backend (float32, along random directions)', CONV_CASES, 3);

describe('the course\'s worked examples', () => {
  const image = [[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3], [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]];
  const vertical = [[1, 0, -1], [1, 0, -1], [1, 0, -1]];

  it('6×6 image ⋆ vertical edge detector = the 4×4 result', () => {
    const out = F.conv2d(tensor([[image]]), tensor([[vertical]]));
    expect(out.toArray()).toEqual([[[[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]]]);
  });

  it('a bright-left, dark-right image gives a bright vertical band in the middle', () => {
    const halves = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
    expect(F.conv2d(tensor([[halves]]), tensor([[vertical]])).toArray()).toEqual([[Array.from({ length: 4 }, () => [0, 30, 30, 0])]]);
  });

  it('39×39×3 → conv(3, 10) → conv(5, s2, 20) → conv(5, s2, 40) gives 7×7×40 = 1960 features', () => {
    const net = new kiln.nn.Sequential(
      new kiln.nn.Conv2d(3, 10, 3), new kiln.nn.Conv2d(10, 20, 5, { stride: 2 }), new kiln.nn.Conv2d(20, 40, 5, { stride: 2 }), new kiln.nn.Flatten());
    expect(net.outputShape([1, 3, 39, 39])).toEqual([1, 1960]);
    const y = net.forward(randn([1, 3, 39, 39]));
    expect(y.shape).toEqual([1, 1960]);
  });

  it("'same' padding keeps the size and max pooling f=2, s=2 halves it", () => {
    const x = randn([1, 2, 10, 14]);
    expect(F.conv2d(x, randn([4, 2, 3, 3]), null, { padding: 'same' }).shape).toEqual([1, 4, 10, 14]);
    expect(F.conv2d(x, randn([4, 2, 5, 5]), null, { padding: 2 }).shape).toEqual([1, 4, 10, 14]);
    expect(F.maxPool2d(x, 2, { stride: 2 }).shape).toEqual([1, 2, 5, 7]);
    expect(F.maxPool2d(tensor([[[[1, 3], [2, 4]]]]), 2).toArray()).toEqual([[[[4]]]]);
  });
});

describe('conv and pool input checks', () => {
  it('name the wrong channel count, the wrong rank, and a kernel that does not fit', () => {
    expect(() => F.conv2d(randn([1, 3, 8, 8]), randn([6, 1, 5, 5]))).toThrow('conv2d: the input has 3 channels but the weight [6, 1, 5, 5] expects 1');
    expect(() => F.conv2d(randn([3, 8, 8]), randn([6, 3, 5, 5]))).toThrow('conv2d: expected a 4-D input [N, C, H, W], got 3-D [3, 8, 8]; for a single image use x.unsqueeze(0)');
    expect(() => F.conv2d(randn([1, 1, 4, 4]), randn([1, 1, 5, 5]))).toThrow(ShapeError);
    expect(() => F.conv2d(randn([1, 1, 4, 4]), randn([1, 1, 5, 5]))).toThrow('conv2d: a 5×5 kernel does not fit the 4×4 input with padding 0×0: the output would be 0×0 (⌊(n + 2p − f)/s⌋ + 1); pad the input or use a smaller kernel');
    expect(() => F.conv2d(randn([1, 1, 4, 4]), randn([1, 1, 5, 5]), null, { padding: 1 })).not.toThrow();
    expect(() => F.conv2d(randn([1, 1, 8, 8]), randn([1, 1, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow(/'same' needs stride 1/);
    expect(() => F.conv2d(randn([1, 1, 8, 8]), randn([1, 1, 3, 3]), null, { stride: 0 })).toThrow(ValueError);
    expect(() => F.maxPool2d(randn([1, 1, 3, 3]), 4)).toThrow(/4×4 kernel does not fit the 3×3 input/);
    expect(() => F.maxPool2d(randn([1, 1, 8, 8]), 2, { padding: 2 })).toThrow(/at most half/);
    expect(() => F.batchNorm(randn([1, 3]), null, null, { training: true })).toThrow(/more than one value per channel/);
  });
});

describe('grouped and depthwise convolution', () => {
  it('convolves each group of channels with its own filters, as separate convolutions would', () => {
    manualSeed(3);
    const x = randn([2, 4, 6, 6]), w = randn([6, 2, 3, 3]), b = randn([6]);
    const y = F.conv2d(x, w, b, { groups: 2, stride: 2, padding: 1 });
    const halves = [0, 1].map((i) => F.conv2d(x.narrow(1, 2 * i, 2), w.narrow(0, 3 * i, 3), b.narrow(0, 3 * i, 3), { stride: 2, padding: 1 }));
    expect(y.shape).toEqual([2, 6, 3, 3]);
    expect(Array.from(y.values)).toEqual(Array.from(kiln.cat(halves, 1).values));
    // Depthwise: each channel alone through its own 3×3 filter.
    const d = F.conv2d(x, randn([4, 1, 3, 3]), null, { groups: 4 });
    expect(d.shape).toEqual([2, 4, 4, 4]);
  });

  it('as a layer: [out, in/groups, k, k] weights, saved and rebuilt, fused with ReLU and pooling like any conv', async () => {
    manualSeed(4);
    const conv = new kiln.nn.Conv2d(4, 8, 3, { groups: 4, padding: 1 });
    expect(conv.weight.shape).toEqual([8, 1, 3, 3]);
    expect(kiln.nn.fromConfig(conv.toConfig()).toConfig()).toEqual(conv.toConfig());
    const net = new kiln.nn.Sequential(conv, new kiln.nn.ReLU(), new kiln.nn.MaxPool2d(2));
    const x = randn([2, 4, 6, 6]);
    const fused = net.forward(x);
    const plain = F.maxPool2d(F.conv2d(x, conv.weight, conv.bias, { groups: 4, padding: 1 }).relu(), 2);
    expect(Array.from(fused.values)).toEqual(Array.from(plain.values));
    expect(net.outputShape([2, 4, 6, 6])).toEqual([2, 8, 3, 3]);
  });

  it('refuses groups that do not divide the channels or filters', () => {
    expect(() => new kiln.nn.Conv2d(4, 6, 3, { groups: 3 })).toThrow('Conv2d: groups 3 must divide inChannels 4 and outChannels 6');
    expect(() => F.conv2d(randn([1, 4, 5, 5]), randn([6, 4, 3, 3]), null, { groups: 2 })).toThrow(/the input has 4 channels but the weight \[6, 4, 3, 3\] expects 8 \(4 per group × 2 groups\)/);
    expect(() => F.conv2d(randn([1, 4, 5, 5]), randn([5, 2, 3, 3]), null, { groups: 2 })).toThrow(ShapeError);
    expect(() => new kiln.nn.Conv2d(4, 4, 3, { group: 2 } as never)).toThrow('Conv2d: unknown option "group"; did you mean "groups"?');
    expect(() => new kiln.nn.Conv2d(4, 4, 3, { groups: 0 })).toThrow(ValueError);
  });
});
