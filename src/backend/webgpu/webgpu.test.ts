import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { nn, optim } from '../../index.js';
import type { Tensor } from '../../index.js';
import { startWebgpu } from '../../../test/helpers.js';

// Every webgpu kernel against the js reference: the same op on the same values on both backends,
// the GPU's result read back and compared at float32 tolerance. Runs on SwiftShader where there is
// no GPU (as in CI, which must have it: startWebgpu fails there when no adapter comes up).

const DEFAULT = kiln.getBackend();
let why: string | null = null;
beforeAll(async () => { why = await startWebgpu(kiln.setBackend); });
afterAll(async () => { await kiln.setBackend(DEFAULT); });

/** Seeded values in [-2, 2) (int32: integers in [-3, 3]). */
function values(n: number, seed: number, int = false): Float32Array | Int32Array {
  const g = new kiln.Generator(seed);
  return int ? Int32Array.from({ length: n }, () => g.int(-3, 4)) : Float32Array.from({ length: n }, () => g.uniform() * 4 - 2);
}

type Inputs = Record<string, { shape: number[]; data: Float32Array | Int32Array; grad?: boolean }>;

/**
 * `fn` on the js backend and on webgpu over the same inputs: its outputs (and the inputs' grads,
 * after backward of Σ out·weights when `backward`) agree within `tol`.
 */
async function same(inputs: Inputs, fn: (x: Record<string, Tensor>) => Tensor | Tensor[], { tol = 1e-5, backward = false } = {}): Promise<void> {
  const runOn = async (name: string): Promise<{ outs: Float32Array[]; grads: Float32Array[]; shapes: number[][] }> => {
    await kiln.setBackend(name);
    const x: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) x[k] = kiln.tensor(v.data, { shape: v.shape, requiresGrad: v.grad ?? false });
    const result = fn(x);
    const outs = Array.isArray(result) ? result : [result];
    if (backward) {
      let total: Tensor | null = null;
      outs.forEach((o, i) => {
        const w = kiln.tensor(values(o.size, 100 + i) as Float32Array, { shape: [...o.shape] });
        const term = o.mul(w).sum();
        total = total ? total.add(term) : term;
      });
      total!.backward();
    }
    const read = async (t: Tensor): Promise<Float32Array> => Float32Array.from(await t.data());
    return {
      outs: await Promise.all(outs.map(read)),
      grads: await Promise.all(Object.entries(inputs).filter(([, v]) => v.grad).map(([k]) => read(x[k]!.grad!))),
      shapes: outs.map((o) => [...o.shape]),
    };
  };
  const ref = await runOn('js');
  const gpu = await runOn('webgpu');
  expect(gpu.shapes).toEqual(ref.shapes);
  const check = (a: Float32Array, b: Float32Array, label: string): void => {
    expect(a.length, label).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      const ok = a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])) || Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!));
      if (!ok) expect.fail(`${label}[${i}]: webgpu=${a[i]} | js=${b[i]} (tolerance ${tol})`);
    }
  };
  gpu.outs.forEach((o, i) => check(o, ref.outs[i]!, `output ${i}`));
  gpu.grads.forEach((g, i) => check(g, ref.grads[i]!, `grad ${i}`));
}

const f = (shape: number[], seed: number, grad = false) => ({ shape, data: values(shape.reduce((a, b) => a * b, 1), seed), grad });
const int = (shape: number[], seed: number) => ({ shape, data: values(shape.reduce((a, b) => a * b, 1), seed, true) });

describe('webgpu kernels match the js reference', () => {
  it('starts, and names its adapter', (ctx) => {
    if (why) ctx.skip(why);
    expect(kiln.getBackend()).toBe('webgpu');
    expect(kiln.backendDetail('webgpu')).toMatch(/^WebGPU on /);
  });

  it('unary ops, with their gradients', async (ctx) => {
    if (why) ctx.skip(why);
    const pos = { shape: [5, 7], data: Float32Array.from(values(35, 2), (v) => Math.abs(v) + 0.01), grad: true };
    await same({ x: f([5, 7], 1, true), p: pos }, ({ x, p }) => [
      x!.neg(), x!.exp(), p!.log(), p!.log1p(), p!.sqrt(), x!.abs(), x!.sign(),
      x!.sigmoid(), x!.tanh(), x!.relu(), x!.softplus(), x!.leakyRelu(0.1), x!.sin(), x!.cos(),
    ], { backward: true });
    // Saturation and the edges JavaScript defines: NaN below the domain, -Infinity at its end.
    await same({ x: { shape: [6], data: new Float32Array([-1000, 1000, 1e-7, -1e-7, -1, 0]) } }, ({ x }) => [x!.sigmoid(), x!.tanh(), x!.softplus(), x!.log1p(), x!.log(), x!.sqrt()]);
    // sin and cos to float32 rounding, as the CPU gives them, across many periods.
    await same({ x: { shape: [9], data: new Float32Array([-1000, 1000, 123.456, -77.7, 3.1415927, 1.5707964, -2.5, 1e-7, 0]) } }, ({ x }) => [x!.sin(), x!.cos()], { tol: 2e-6 });
  });

  it('binary ops with broadcasting, mixed dtypes and comparisons, with their gradients', async (ctx) => {
    if (why) ctx.skip(why);
    await same({ a: f([3, 1, 5], 3, true), b: f([4, 1], 4, true) }, ({ a, b }) => [
      a!.add(b!), a!.sub(b!), a!.mul(b!), a!.div(b!.abs().add(0.5)), a!.maximum(b!), a!.minimum(b!),
    ], { backward: true });
    await same({ a: f([6, 4], 5), b: f([4], 6), i: int([6, 4], 7) }, ({ a, b, i }) => [
      a!.gt(b!), a!.le(0), a!.eq(a!), i!.add(i!), i!.mul(2), a!.add(i!), a!.abs().pow(b!), a!.pow(2), a!.pow(3),
      i!.ne(0), a!.clamp(-0.5, 0.75),
    ]);
  });

  it('in place updates, copies between dtypes, fills, expand, where', async (ctx) => {
    if (why) ctx.skip(why);
    await same({ a: f([3, 4], 8), b: f([4], 9) }, ({ a, b }) => {
      const c = a!.clone();
      c.add_(b!).mul_(2);
      return [c, a!.int().float(), kiln.zeros([2, 3]).fill_(3.5), b!.expand([3, 4]), kiln.where(a!.gt(0), a!, b!), kiln.eye(3, 4)];
    });
  });

  it('reductions along any dims, arg-extremes, softmax and log-softmax, with gradients', async (ctx) => {
    if (why) ctx.skip(why);
    await same({ x: f([3, 70, 5], 10, true) }, ({ x }) => [
      x!.sum(), x!.sum(1), x!.sum([0, 2], true), x!.mean(2), x!.amax(1), x!.amin(0), x!.var(1),
      x!.softmax(1), x!.logSoftmax(2), x!.softmax(0),
    ], { backward: true });
    await same({ x: f([4, 9], 11), i: int([5, 3], 12) }, ({ x, i }) => [x!.argmax(1), x!.argmin(0), x!.argmax(), i!.sum(0), i!.amax(1)]);
  });

  it('matmul: shapes off the tiles, transposes read in place, batches and broadcasts, with gradients', async (ctx) => {
    if (why) ctx.skip(why);
    for (const [m, k, n] of [[1, 1, 1], [3, 17, 5], [65, 130, 66], [128, 64, 129]] as const) {
      await same({ a: f([m, k], m, true), b: f([k, n], n, true) }, ({ a, b }) => [a!.matmul(b!), a!.t().t().matmul(b!)], { backward: true, tol: 1e-4 });
    }
    await same({ a: f([3, 2, 7, 5], 13, true), b: f([2, 5, 6], 14, true) }, ({ a, b }) => a!.matmul(b!), { backward: true, tol: 1e-4 });
    await same({ x: f([10, 20], 15, true), w: f([30, 20], 16, true), bias: f([30], 17, true) }, ({ x, w, bias }) => nn.functional.linear(x!, w!, bias), { backward: true, tol: 1e-4 });
  });

  it('shape ops: permute, narrow, cat, indexSelect, gather, with gradients', async (ctx) => {
    if (why) ctx.skip(why);
    await same({ x: f([2, 3, 4, 5], 18, true), y: f([2, 3, 1, 5], 19, true) }, ({ x, y }) => [
      x!.permute(3, 1, 0, 2), x!.transpose(1, 2), x!.narrow(2, 1, 2), x!.slice(3, 1, 4), kiln.cat([x!, y!], 2),
      x!.indexSelect(1, kiln.tensor(new Int32Array([2, 0, 2]))), x!.indexSelect(3, kiln.tensor(new Int32Array([4]))),
      x!.gather(3, kiln.tensor(new Int32Array(Array.from({ length: 2 * 3 * 4 * 2 }, (_, i) => (i * 7) % 5)), { shape: [2, 3, 4, 2] })),
    ], { backward: true });
  });

  it('losses: cross-entropy, NLL, MSE, binary cross-entropy on logits, with gradients', async (ctx) => {
    if (why) ctx.skip(why);
    const labels = { shape: [6], data: new Int32Array([0, 3, 1, 3, 2, 0]) };
    const F = nn.functional;
    await same({ x: f([6, 4], 20, true), y: labels, t: { shape: [6, 4], data: Float32Array.from(values(24, 21), (v) => (v > 0 ? 1 : 0)) } }, ({ x, y, t }) => [
      F.crossEntropy(x!, y!), F.crossEntropy(x!, y!, 'sum'), F.nllLoss(x!.logSoftmax(1), y!), F.mseLoss(x!, t!), F.binaryCrossEntropyWithLogits(x!, t!),
    ], { backward: true });
  });

  it('convolutions (stride, padding, dilation, bias or none) and their gradients', async (ctx) => {
    if (why) ctx.skip(why);
    const F = nn.functional;
    await same({ x: f([2, 3, 9, 8], 30, true), w: f([4, 3, 3, 2], 31, true), b: f([4], 32, true) }, ({ x, w, b }) => [
      F.conv2d(x!, w!, b), F.conv2d(x!, w!, null, { stride: 2, padding: 1 }), F.conv2d(x!, w!, b, { dilation: 2, padding: [2, 1] }), F.conv2d(x!, w!, b, { padding: 'same' }),
    ], { backward: true, tol: 1e-4 });
    // Few weights over many rows: the filter gradient's sum split into hundreds of chunks, then added up.
    await same({ x: f([4, 1, 80, 60], 37, true), w: f([1, 1, 3, 3], 38, true) }, ({ x, w }) => F.conv2d(x!, w!), { backward: true, tol: 1e-4 });
  });

  it('max, average and adaptive pooling (overlapping windows too), and the fused conv → ReLU → max-pool, with gradients', async (ctx) => {
    if (why) ctx.skip(why);
    const F = nn.functional;
    await same({ x: f([2, 3, 9, 10], 33, true) }, ({ x }) => [
      F.maxPool2d(x!, 2), F.maxPool2d(x!, 3, { stride: 2, padding: 1 }), F.avgPool2d(x!, 2), F.avgPool2d(x!, 3, { stride: 2, padding: 1 }),
      F.adaptiveAvgPool2d(x!, [4, 3]),
    ], { backward: true });
    await same({ x: f([2, 3, 12, 12], 34, true), w: f([5, 3, 3, 3], 35, true), b: f([5], 36, true) }, ({ x, w, b }) => [
      F.conv2dReluMaxPool(x!, w!, b, { pool: { kernelSize: 2 } }), F.conv2dReluMaxPool(x!, w!, b, { padding: 1, pool: { kernelSize: 3, stride: 2 } }),
    ], { backward: true, tol: 1e-4 });
  });

  it('dropout draws the CPU\'s mask from the same seed, in parallel, and moves the generator as far', async (ctx) => {
    if (why) ctx.skip(why);
    for (const [n, p] of [[1, 0.5], [17, 0.1], [1000, 0.5], [70001, 0.9], [1_048_579, 0.25]] as const) {
      await same({ x: f([n], 40, true) }, ({ x }) => {
        kiln.manualSeed(n);
        return [nn.functional.dropout(x!, p), kiln.rand([5])];
      }, { tol: 0, backward: true });
    }
  });

  it('optimisers update in place on the GPU: SGD, momentum (the course\'s), RMSprop, Adam, AdamW', async (ctx) => {
    if (why) ctx.skip(why);
    const makers = [
      (p: Tensor[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      (p: Tensor[]) => new optim.Momentum(p, { lr: 0.1, beta: 0.9 }),
      (p: Tensor[]) => new optim.RMSprop(p, { lr: 0.01, momentum: 0.5 }),
      (p: Tensor[]) => new optim.Adam(p, { lr: 0.01, weightDecay: 0.01 }),
      (p: Tensor[]) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.1 }),
    ];
    for (const make of makers) {
      await same({ x: f([8, 3], 22), w0: f([3, 2], 23) }, ({ x, w0 }) => {
        const w = nn.Parameter(w0!);
        const opt = make([w]);
        for (let s = 0; s < 5; s++) {
          opt.zeroGrad();
          x!.matmul(w).square().mean().backward();
          opt.step();
        }
        return w;
      }, { tol: 1e-4 });
    }
  });
});
