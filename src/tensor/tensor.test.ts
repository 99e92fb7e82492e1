import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { DTypeError, ShapeError, ValueError } from '../index.js';

const { tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint, manualSeed } = kiln;

describe('creation', () => {
  it('builds from nested arrays, float32 by default', () => {
    const x = tensor([[0.5, 1.0], [1.5, -2.0]]);
    expect(x.shape).toEqual([2, 2]);
    expect(x.dtype).toBe('float32');
    expect(x.toArray()).toEqual([[0.5, 1], [1.5, -2]]);
    expect(tensor(3).shape).toEqual([]);
    expect(tensor(3).item()).toBe(3);
  });

  it('keeps a typed array\'s dtype and takes a shape', () => {
    const x = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    expect(x.dtype).toBe('float64');
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
  });

  it('rejects ragged arrays, bad shapes and bad dtypes with a clear message', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged.*\[1\] has 1 entries, expected 2/);
    expect(() => zeros([2, -1])).toThrow(/non-negative integers/);
    expect(() => zeros([2], { dtype: 'float16' as never })).toThrow(DTypeError);
    expect(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(/only float tensors/);
  });

  it('makes the standard tensors', () => {
    expect(ones([2]).toArray()).toEqual([1, 1]);
    expect(full([2, 2], 7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe('int32');
    expect(arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(0, 1, 0.25).dtype).toBe('float32');
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(kiln.zerosLike(tensor([[1, 2]], { dtype: 'float64' })).dtype).toBe('float64');
    expect(kiln.onesLike(tensor([1, 2])).toArray()).toEqual([1, 1]);
    expect(kiln.fullLike(tensor([1, 2]), 3).toArray()).toEqual([3, 3]);
    expect(() => arange(0, 1, 0)).toThrow(ValueError);
  });

  it('draws the same numbers after the same seed, with the right statistics', () => {
    manualSeed(42);
    const a = randn([1000]);
    manualSeed(42);
    const b = randn([1000]);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Math.abs(a.mean().item())).toBeLessThan(0.1);
    expect(Math.abs(a.var().item() - 1)).toBeLessThan(0.1);
    const u = rand([1000]);
    expect(u.amin().item()).toBeGreaterThanOrEqual(0);
    expect(u.amax().item()).toBeLessThan(1);
    const r = randint(3, 6, [500]);
    expect(r.dtype).toBe('int32');
    expect(new Set(r.values)).toEqual(new Set([3, 4, 5]));
    expect(kiln.randnLike(tensor([[1, 2]], { dtype: 'float64' })).dtype).toBe('float64');
    expect(kiln.randLike(a).shape).toEqual([1000]);
    expect(kiln.randintLike(a, 0, 2).dtype).toBe('int32');
  });

  it('prints readably, like PyTorch', () => {
    expect(tensor([[0.5, 1], [1.5, -2]]).toString()).toBe('tensor([[ 0.5000,  1.0000],\n        [ 1.5000, -2.0000]])');
    expect(arange(3).toString()).toBe('tensor([0, 1, 2], dtype=int32)');
    expect(tensor([1, 2], { requiresGrad: true }).toString()).toBe('tensor([1., 2.], requiresGrad=true)');
    expect(zeros([40, 40]).toString()).toContain('...');
  });
});

describe('dtypes and broadcasting', () => {
  it('promotes int32 → float32 → float64', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    const f = tensor([0.5, 0.5]);
    const d = tensor([1, 1], { dtype: 'float64' });
    expect(i.add(i).dtype).toBe('int32');
    expect(i.add(f).dtype).toBe('float32');
    expect(f.add(d).dtype).toBe('float64');
    expect(i.div(i).dtype).toBe('float32');
    expect(i.div(i).toArray()).toEqual([1, 1]);
    expect(f.add(1).dtype).toBe('float32');
    expect(i.mul(0.5).dtype).toBe('float32');
  });

  it('broadcasts like NumPy and names the sizes when it cannot', () => {
    const a = arange(3).reshape(3, 1);
    const b = arange(4);
    expect(a.mul(b).shape).toEqual([3, 4]);
    expect(a.mul(b).toArray()).toEqual([[0, 0, 0, 0], [0, 1, 2, 3], [0, 2, 4, 6]]);
    expect(() => zeros([2, 3]).add(zeros([4]))).toThrow(ShapeError);
    expect(() => zeros([2, 3]).add(zeros([4]))).toThrow('add: cannot broadcast [2, 3] with [4]: sizes 3 and 4 at dim -1 differ and neither is 1');
  });

  it('compares into int32 masks and selects with where', () => {
    const x = tensor([-1, 0, 2]);
    expect(x.gt(0).toArray()).toEqual([0, 0, 1]);
    expect(x.gt(0).dtype).toBe('int32');
    expect(x.le(0).toArray()).toEqual([1, 1, 0]);
    expect(x.eq(0).toArray()).toEqual([0, 1, 0]);
    expect(x.ne(0).toArray()).toEqual([1, 0, 1]);
    expect(x.lt(2).toArray()).toEqual([1, 1, 0]);
    expect(x.ge(0).toArray()).toEqual([0, 1, 1]);
    expect(kiln.where(x.gt(0), x, 0).toArray()).toEqual([0, 0, 2]);
    expect(kiln.maximum(x, 0).toArray()).toEqual([0, 0, 2]);
    expect(kiln.minimum(x, 0).toArray()).toEqual([-1, 0, 0]);
    expect(x.clamp(0, 1).toArray()).toEqual([0, 0, 1]);
    expect(x.clamp(null, 0).toArray()).toEqual([-1, 0, 0]);
  });

  it('is stable at the extremes', () => {
    const x = tensor([-1000, 1000]);
    expect(x.sigmoid().toArray()).toEqual([0, 1]);
    expect(x.softplus().toArray()).toEqual([0, 1000]);
    expect(x.reshape(1, 2).softmax(1).toArray()).toEqual([[0, 1]]);
    expect(x.reshape(1, 2).logSoftmax(1).toArray()).toEqual([[-2000, 0]]);
  });
});

describe('reductions', () => {
  const x = tensor([[1, 5, 3], [4, 2, 6]]);
  it('reduce over dims with keepdim', () => {
    expect(x.sum().item()).toBe(21);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.sum(1, true).toArray()).toEqual([[9], [12]]);
    expect(x.sum([0, 1]).item()).toBe(21);
    expect(x.mean(1).toArray()).toEqual([3, 4]);
    expect(x.amax(0).toArray()).toEqual([4, 5, 6]);
    expect(x.amin(1).toArray()).toEqual([1, 2]);
    expect(x.max().item()).toBe(6);
    expect(x.min().item()).toBe(1);
    expect(x.argmax(1).toArray()).toEqual([1, 2]);
    expect(x.argmin(1, true).toArray()).toEqual([[0], [1]]);
    expect(x.argmax().item()).toBe(5);
    const m = x.max(1);
    expect(m.values.toArray()).toEqual([5, 6]);
    expect(m.indices.toArray()).toEqual([1, 2]);
    expect(x.min(0, true).values.toArray()).toEqual([[1, 2, 3]]);
    expect(tensor([1, 2, 3, 4]).var().item()).toBeCloseTo(5 / 3, 6);
    expect(tensor([1, 2, 3, 4]).var(0, { correction: 0 }).item()).toBeCloseTo(1.25, 6);
    expect(arange(4).mean().dtype).toBe('float32');
  });

  it('rejects bad dims', () => {
    expect(() => x.sum(2)).toThrow('sum: dim 2 is out of range for a 2-D tensor (expected -2…1)');
    expect(() => tensor([1]).var()).toThrow(/degrees of freedom/);
  });
});

describe('shape ops', () => {
  const x = arange(6).reshape(2, 3);
  it('reshape, flatten, squeeze, unsqueeze, transpose, permute', () => {
    expect(x.reshape(3, -1).shape).toEqual([3, 2]);
    expect(x.reshape([6]).toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => x.reshape(4, 2)).toThrow('reshape: cannot reshape [2, 3] (6 elements) into [4, 2] (8 elements)');
    expect(x.unsqueeze(0).shape).toEqual([1, 2, 3]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 1]);
    expect(x.unsqueeze(0).squeeze().shape).toEqual([2, 3]);
    expect(x.t().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(arange(24).reshape(2, 3, 4).permute(2, 0, 1).shape).toEqual([4, 2, 3]);
    expect(arange(24).reshape(2, 3, 4).permute(2, 0, 1).toArray()).toEqual(
      [0, 1, 2, 3].map((k) => [0, 1].map((i) => [0, 1, 2].map((j) => i * 12 + j * 4 + k))));
    expect(arange(24).reshape(2, 3, 4).flatten(1).shape).toEqual([2, 12]);
  });

  it('narrow, slice, indexSelect, gather, cat, stack, expand', () => {
    expect(x.narrow(1, 1, 2).toArray()).toEqual([[1, 2], [4, 5]]);
    expect(x.slice(1, -1).toArray()).toEqual([[2], [5]]);
    expect(() => x.narrow(1, 2, 2)).toThrow(ShapeError);
    expect(x.indexSelect(1, tensor([2, 0], { dtype: 'int32' })).toArray()).toEqual([[2, 0], [5, 3]]);
    expect(x.gather(1, tensor([[0], [2]], { dtype: 'int32' })).toArray()).toEqual([[0], [5]]);
    expect(() => x.gather(1, tensor([[0], [3]], { dtype: 'int32' }))).toThrow('gather: index 3 is out of range for a dim of size 3');
    expect(() => x.indexSelect(0, tensor([0.5]))).toThrow(DTypeError);
    expect(kiln.cat([x, x], 0).shape).toEqual([4, 3]);
    expect(kiln.cat([x, arange(2).reshape(2, 1)], 1).toArray()).toEqual([[0, 1, 2, 0], [3, 4, 5, 1]]);
    expect(() => kiln.cat([x, arange(2)], 0)).toThrow(ShapeError);
    expect(kiln.stack([arange(2), arange(2)], 1).toArray()).toEqual([[0, 0], [1, 1]]);
    expect(arange(3).reshape(3, 1).expand(3, 2).toArray()).toEqual([[0, 0], [1, 1], [2, 2]]);
  });

  it('matmul in 2-D, batched, broadcast and vector forms', () => {
    const a = arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3);
    const b = arange(6, undefined, 1, { dtype: 'float32' }).reshape(3, 2);
    expect(a.matmul(b).toArray()).toEqual([[10, 13], [28, 40]]);
    expect(kiln.stack([a, a]).matmul(b).toArray()).toEqual([[[10, 13], [28, 40]], [[10, 13], [28, 40]]]);
    expect(a.matmul(tensor([1, 1, 1])).toArray()).toEqual([3, 12]);
    expect(() => kiln.randn([64, 784]).matmul(kiln.randn([128, 10]))).toThrow('matmul: cannot multiply [64, 784] by [128, 10]: inner sizes 784 and 128 differ');
  });
});

describe('autograd', () => {
  it('back-propagates the example from the design', () => {
    manualSeed(0);
    const x = tensor([[0.5, 1.0], [1.5, -2.0]]);
    const w = randn([2, 3], { requiresGrad: true });
    const loss = x.matmul(w).relu().sum();
    loss.backward();
    // d/dw of Σ relu(xw) = xᵀ · [xw > 0]
    const mask = x.matmul(w.detach()).gt(0).float();
    expect(Array.from(w.grad!.values)).toEqual(Array.from(x.t().matmul(mask).values));
  });

  it('accumulates gradients across backward calls', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.mul(3).sum().backward();
    w.mul(3).sum().backward();
    expect(w.grad!.toArray()).toEqual([6, 6]);
  });

  it('sums the gradient of a tensor used twice', () => {
    const x = tensor([3], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([7]);
  });

  it('takes an explicit output gradient and checks its shape', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/only for a scalar output/);
    expect(() => y.backward(tensor([1, 1]))).toThrow(ShapeError);
    y.backward(tensor([1, 0, 2]));
    expect(x.grad!.toArray()).toEqual([2, 0, 4]);
  });

  it('records nothing inside noGrad, and detach cuts the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = kiln.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(x.detach().requiresGrad).toBe(false);
    expect(() => x.detach().sum().backward()).toThrow(/does not require a gradient/);
  });

  it('passes gradients through a dtype conversion back to the input dtype', () => {
    const x = tensor([0.5, 0.25], { requiresGrad: true });
    x.double().mul(2).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });

  it('refuses in-place changes to tensors that need a gradient, except inside noGrad', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(() => w.sub_(1)).toThrow(/wrap the update in kiln.noGrad/);
    kiln.noGrad(() => w.sub_(tensor([0.5])));
    expect(w.toArray()).toEqual([0.5, 1.5]);
    const z = zeros([2, 2]);
    z.add_(tensor([1, 2]));
    expect(z.toArray()).toEqual([[1, 2], [1, 2]]);
    z.mul_(2).div_(4);
    expect(z.toArray()).toEqual([[0.5, 1], [0.5, 1]]);
    z.copy_(tensor([3]));
    expect(z.toArray()).toEqual([[3, 3], [3, 3]]);
    expect(z.zero_().sum().item()).toBe(0);
    expect(() => z.add_(zeros([3]))).toThrow(ShapeError);
  });

  it('handles deep graphs without overflowing the stack', () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.mul(1);
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });
});

describe('autograd after a failing backward', () => {
  it('leaks no gradient into the next backward pass', () => {
    const w = kiln.tensor([1, 2], { requiresGrad: true });
    const failing = w.mul(2);
    const broken = failing.detach();
    broken.requiresGrad = true;
    broken.gradFn = { name: 'broken', inputs: [failing], backward: () => { throw new Error('backward failed'); } };
    // w gets a pending gradient through the healthy branch before the broken one throws.
    expect(() => broken.add(w.mul(3)).sum().backward()).toThrow('backward failed');
    w.grad = null;
    w.mul(5).sum().backward();
    expect(w.grad!.toArray()).toEqual([5, 5]);
  });
});

describe('reading values', () => {
  it('data() and toArrayAsync() on every backend; dataSync() and toArray() synchronously; copies, not the storage', async () => {
    const t = kiln.tensor([[1, 2], [3, 4]]);
    const copy = await t.data();
    expect(copy).toBeInstanceOf(Float32Array);
    expect(Array.from(copy)).toEqual([1, 2, 3, 4]);
    copy[0] = 99;
    const sync = t.dataSync();
    sync[1] = 99;
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(await t.toArrayAsync()).toEqual([[1, 2], [3, 4]]);
    expect(await kiln.tensor(5).itemAsync()).toBe(5);
    expect(Array.from(t.values)).toEqual([1, 2, 3, 4]); // the live storage
  });

  it.skipIf(kiln.getBackend() === 'js')('kiln.memory() counts the storages in the backend\'s own memory: parameters, not loose data', () => {
    const before = kiln.memory();
    const data = kiln.zeros([2000]); // the garbage collector's
    expect(kiln.memory().liveStorages).toBe(before.liveStorages);
    const keep = kiln.nn.Parameter(data);
    const after = kiln.memory();
    expect(after.liveStorages).toBe(before.liveStorages + 1);
    expect(after.liveBytes - before.liveBytes).toBe(8000);
    expect(keep.size).toBe(2000);
    expect(() => kiln.memory('gpu')).toThrow("memory: no backend named 'gpu'");
  });
});

