import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import type { Tensor } from '../index.js';
import { describeWebgpuGradchecks } from '../../test/gpu-gradcheck.js';

const F = kiln.nn.functional;
const { gradcheck, manualSeed, randn, rand, tensor } = kiln;

/** Values away from the kinks of relu/abs/max so central differences are smooth. */
const awayFromZero = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).add(randn(shape, { dtype: 'float64' }).sign().mul(0.2));
const positive = (shape: number[]): Tensor => rand(shape, { dtype: 'float64' }).add(0.5);

// Every differentiable op (built in its inputs' dtype, so the same cases run in float32 on a GPU), on shapes that exercise broadcasting, odd sizes and several dims.
const CASES: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
  ['add (broadcast)', (a, b) => a.add(b), () => [randn([3, 1, 4]), randn([5, 1])]],
  ['sub (broadcast)', (a, b) => a.sub(b), () => [randn([2, 3]), randn([3])]],
  ['mul (broadcast)', (a, b) => a.mul(b), () => [randn([4, 1]), randn([1, 3])]],
  ['div (broadcast)', (a, b) => a.div(b), () => [randn([2, 3]), positive([3])]],
  ['pow (number)', (a) => a.pow(3), () => [randn([3, 3])]],
  ['pow (tensor exponent)', (a, e) => a.pow(e), () => [positive([2, 3]), randn([2, 3])]],
  ['neg', (a) => a.neg(), () => [randn([5])]],
  ['exp', (a) => a.exp(), () => [randn([2, 3])]],
  ['log', (a) => a.log(), () => [positive([2, 3])]],
  ['log1p', (a) => a.log1p(), () => [positive([4])]],
  ['sin', (a) => a.sin(), () => [randn([2, 3]).mul(3)]],
  ['cos', (a) => a.cos(), () => [randn([2, 3]).mul(3)]],
  ['sqrt', (a) => a.sqrt(), () => [positive([2, 3])]],
  ['abs', (a) => a.abs(), () => [awayFromZero([7])]],
  ['clamp', (a) => a.clamp(-0.5, 0.5), () => [tensor([-1.3, -0.2, 0.1, 0.4, 0.9, 2], { dtype: 'float64' })]],
  ['maximum', (a, b) => a.maximum(b), () => [randn([3, 4]), randn([4])]],
  ['minimum', (a, b) => a.minimum(b), () => [randn([3, 4]), randn([3, 1])]],
  ['where', (a, b) => kiln.where(a.gt(0), a, b), () => [awayFromZero([3, 4]), randn([4])]],
  ['sigmoid', (a) => a.sigmoid(), () => [randn([3, 4]).mul(3)]],
  ['tanh', (a) => a.tanh(), () => [randn([3, 4])]],
  ['relu', (a) => a.relu(), () => [awayFromZero([3, 4])]],
  ['leakyRelu', (a) => a.leakyRelu(0.2), () => [awayFromZero([3, 4])]],
  ['prelu (learned slope, per channel)', (a, w) => F.prelu(a, w), () => [awayFromZero([2, 3, 2]), rand([3])]],
  ['softplus', (a) => a.softplus(), () => [randn([6]).mul(4)]],
  ['softmax', (a) => a.softmax(0), () => [randn([3, 4])]],
  ['logSoftmax', (a) => a.logSoftmax(-1), () => [randn([2, 3, 4])]],
  ['sum (all)', (a) => a.sum(), () => [randn([3, 4])]],
  ['sum (dims, keepdim)', (a) => a.sum([0, 2], true), () => [randn([2, 3, 4])]],
  ['mean (dim)', (a) => a.mean(1), () => [randn([2, 3, 4])]],
  ['var (dim)', (a) => a.var(0), () => [randn([5, 3])]],
  ['amax (dim)', (a) => a.amax(1), () => [randn([3, 5])]],
  ['amin (all)', (a) => a.amin(), () => [randn([3, 5])]],
  ['max (dim) values', (a) => a.max(1).values, () => [randn([4, 3])]],
  ['min (dim, keepdim) values', (a) => a.min(0, true).values, () => [randn([4, 3])]],
  ['matmul 2-D', (a, b) => a.matmul(b), () => [randn([3, 5]), randn([5, 2])]],
  ['matmul batched', (a, b) => a.matmul(b), () => [randn([2, 3, 4]), randn([2, 4, 5])]],
  ['matmul broadcast batch', (a, b) => a.matmul(b), () => [randn([2, 1, 3, 4]), randn([3, 4, 2])]],
  ['matmul vector', (a, b) => a.matmul(b), () => [randn([4]), randn([4, 3])]],
  ['linear', (x, w, b) => F.linear(x, w, b), () => [randn([5, 3]), randn([4, 3]), randn([4])]],
  ['linear (3-D input)', (x, w) => F.linear(x, w), () => [randn([2, 5, 3]), randn([4, 3])]],
  ['linear (3-D input, bias)', (x, w, b) => F.linear(x, w, b), () => [randn([2, 5, 3]), randn([4, 3]), randn([4])]],
  ['reshape', (a) => a.reshape(4, -1).mul(a.reshape(4, 3)), () => [randn([2, 6])]],
  ['flatten', (a) => a.flatten(1).exp(), () => [randn([2, 3, 2])]],
  ['squeeze/unsqueeze', (a) => a.unsqueeze(0).squeeze().exp(), () => [randn([3, 1, 2])]],
  ['transpose', (a) => a.transpose(0, 2).exp(), () => [randn([2, 3, 4])]],
  ['permute', (a) => a.permute(2, 0, 1).mul(kiln.arange(24, undefined, 1, { dtype: a.dtype }).reshape(4, 2, 3)), () => [randn([2, 3, 4])]],
  ['expand', (a) => a.expand(3, 4, 2).exp(), () => [randn([4, 1])]],
  ['narrow', (a) => a.narrow(1, 1, 2).exp(), () => [randn([3, 4])]],
  ['slice (negative bounds)', (a) => a.slice(0, -2).exp(), () => [randn([4, 2])]],
  ['indexSelect (repeated index)', (a) => a.indexSelect(0, tensor([2, 0, 2], { dtype: 'int32' })).exp(), () => [randn([3, 2])]],
  ['gather', (a) => a.gather(1, tensor([[0, 0], [2, 1], [1, 2]], { dtype: 'int32' })).exp(), () => [randn([3, 3])]],
  ['cat', (a, b) => kiln.cat([a, b], 1).exp(), () => [randn([2, 3]), randn([2, 1])]],
  ['stack', (a, b) => kiln.stack([a, b], 1).exp(), () => [randn([2, 3]), randn([2, 3])]],
  ['mseLoss', (a, b) => F.mseLoss(a, b), () => [randn([4, 2]), randn([4, 2])]],
  ['mseLoss (sum)', (a, b) => F.mseLoss(a, b, 'sum'), () => [randn([4, 2]), randn([4, 2])]],
  ['binaryCrossEntropy', (p) => F.binaryCrossEntropy(p, tensor([[0], [1], [1]], { dtype: p.dtype })), () => [rand([3, 1]).mul(0.8).add(0.1)]],
  ['binaryCrossEntropyWithLogits', (z) => F.binaryCrossEntropyWithLogits(z, tensor([[0], [1], [1]], { dtype: z.dtype })), () => [randn([3, 1])]],
  ['crossEntropy', (z) => F.crossEntropy(z, tensor([2, 0, 1, 2], { dtype: 'int32' })), () => [randn([4, 3])]],
  ['nllLoss (sum)', (z) => F.nllLoss(z, tensor([1, 0], { dtype: 'int32' }), 'sum'), () => [randn([2, 3])]],
];

describe('gradcheck of every op against central differences (float64)', () => {
  for (const [name, fn, make] of CASES) {
    it(name, () => {
      manualSeed(7);
      const r = gradcheck(fn, make());
      if (!r.ok) expect.fail(`${name}: relative error ${r.relativeError}, worst ${JSON.stringify(r.worst)}`);
      expect(r.relativeError).toBeLessThan(1e-7);
    });
  }

  it('catches a wrong gradient', () => {
    // An op whose backward is deliberately wrong (×2) must fail the check.
    const wrong = (x: Tensor): Tensor => {
      const out = x.detach().mul(x.detach());
      out.requiresGrad = true;
      out.gradFn = { name: 'wrongSquare', inputs: [x], backward: (g) => [g.mul(x).mul(4)] };
      return out;
    };
    const r = gradcheck(wrong, [randn([3])]);
    expect(r.ok).toBe(false);
    expect(r.relativeError).toBeGreaterThan(0.1);
    expect(r.worst.input).toBe(0);
  });
});


describeWebgpuGradchecks('gradcheck of every op on the webgpu backend (float32, along random directions)', CASES, 7);
