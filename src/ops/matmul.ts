import { allocOutput, allocStorage, host } from '../tensor/storage.js';
import { record } from '../autograd/tape.js';
import { addRows, addRowsInto } from '../backend/js/dense.js';
import { backend } from '../backend/registry.js';
import { ShapeError, fmtShape } from '../errors.js';
import { promoteTypes } from '../tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { expand, sumTo } from './shape.js';

/**
 * op(a)·op(b) for tensors of ≥ 2 dims with broadcast batch dims, where op transposes the last two
 * dims when asked (without copying: the kernel reads the transposed layout).
 * a: [...batchA, m, k] (or [..., k, m] when transA), b: [...batchB, k, n] (or [..., n, k]).
 */
export function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const ar = a.shape[a.ndim - 2]!, ac = a.shape[a.ndim - 1]!;
  const br = b.shape[b.ndim - 2]!, bc = b.shape[b.ndim - 1]!;
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const k2 = transB ? bc : br, n = transB ? br : bc;
  if (k !== k2) {
    throw new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: inner sizes ${k} and ${k2} differ`);
  }
  if (a.ndim === 2 && b.ndim === 2) {
    // The common case (every dense layer), without the batch bookkeeping below.
    const out = allocOutput(promoteTypes(a.dtype, b.dtype), m * n);
    backend().matmul(a.storage, 0, b.storage, 0, out, 1, m, k, n, transA, transB);
    return new Tensor(out, [m, n]);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(aBatch, bBatch, 'matmul');
  const batch = sizeOf(batchShape);
  // Each operand is read with a batch stride: its own, 0 when it is a single matrix, or a copy
  // broadcast to the full batch when its batch dims broadcast partially.
  const operand = (t: Tensor, own: readonly number[]): [Tensor, number] => {
    const mat = t.shape[t.ndim - 2]! * t.shape[t.ndim - 1]!;
    if (sizeOf(own) === batch) return [t, mat];
    if (sizeOf(own) === 1) return [t, 0];
    return [expand(t, [...batchShape, t.shape[t.ndim - 2]!, t.shape[t.ndim - 1]!]), mat];
  };
  const [ax, aStride] = operand(a, aBatch);
  const [bx, bStride] = operand(b, bBatch);
  const out = allocOutput(promoteTypes(a.dtype, b.dtype), batch * m * n);
  backend().matmul(ax.storage, aStride, bx.storage, bStride, out, batch, m, k, n, transA, transB);
  return new Tensor(out, [...batchShape, m, n]);
}

/**
 * Matrix product with PyTorch's rules: 2-D × 2-D; batched [..., m, k] × [..., k, n] with
 * broadcast batch dims; a 1-D operand is treated as a row (left) or column (right) vector.
 * Backward: dA = dC·Bᵀ, dB = Aᵀ·dC, each summed over the batch dims it was broadcast along.
 * @example kiln.randn([64, 784]).matmul(kiln.randn([784, 128]))   // [64, 128]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(`matmul: both operands need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.ndim === 1) {
    const out = matmul(a.unsqueeze(0), b);
    return out.squeeze(out.ndim - 2);
  }
  if (b.ndim === 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  const out = matmulRaw(a, b, false, false);
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumTo(matmulRaw(g, b, false, true), a.shape) : null,
    b.requiresGrad ? sumTo(matmulRaw(a, g, true, false), b.shape) : null,
  ]);
}

/** The shape of x·Wᵀ for x: [..., in] and W: [out, in]; throws when the sizes do not fit. */
export function linearOutputShape(input: readonly number[], weight: readonly number[]): number[] {
  checkLinearShapes(input, weight);
  return [...input.slice(0, -1), weight[0]!];
}

/** linearOutputShape's checks alone (no shape array: linear runs them every step). */
function checkLinearShapes(input: readonly number[], weight: readonly number[]): void {
  if (weight.length !== 2) throw new ShapeError(`linear: weight must be [out, in], got ${fmtShape(weight)}`);
  if (input.length === 0 || input[input.length - 1] !== weight[1]) {
    throw new ShapeError(`linear: input ${fmtShape(input)} has ${input[input.length - 1] ?? 0} features but the weight ${fmtShape(weight)} expects ${weight[1]}`);
  }
}

/**
 * y = x·Wᵀ + b, with W: [out, in] (the course's W[l] of shape (n[l], n[l−1])), x: [..., in],
 * b: [out]. The transpose is read in place by the kernel, not copied, and the bias is added into
 * the product's fresh output: one op and one tensor per layer, which matters for tiny networks
 * trained one example at a time, where per-op overhead is the whole cost.
 * Backward: dx = g·W, dW = gᵀ·x (summed over the batch), db = Σ g over every row.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkLinear(x, weight, bias);
  if (x.ndim === 1) return linear(x.unsqueeze(0), weight, bias).squeeze(0);
  // The bias goes into the product in place on the CPU; elsewhere (a GPU) it is a broadcast add.
  if (bias && !biasAddsInPlace(x, weight, bias)) return record(linearProduct(x, weight, null), 'linear', [x, weight], linearBackward(x, weight, null)).add(bias);
  const b = bias ?? null;
  return record(linearProduct(x, weight, b), 'linear', b ? [x, weight, b] : [x, weight], linearBackward(x, weight, b));
}

/** Throws linear's ShapeError when x: [..., in], W: [out, in] and b: [out] do not fit together. */
export function checkLinear(x: Tensor, weight: Tensor, bias?: Tensor | null): void {
  checkLinearShapes(x.shape, weight.shape);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(`linear: bias must be [${weight.shape[0]}] to match the weight ${fmtShape(weight.shape)}, got ${fmtShape(bias.shape)}`);
  }
}

/** Whether x·Wᵀ's output is a host array the bias can be added into (the CPU, the same dtype). */
export function biasAddsInPlace(x: Tensor, weight: Tensor, bias: Tensor): boolean {
  return !backend().onDevice && promoteTypes(x.dtype, weight.dtype) === bias.dtype;
}

/** x·Wᵀ (+ b, added in place: only where biasAddsInPlace) for a 2-D x, not recorded: a fresh tensor. */
export function linearProduct(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const y = matmulRaw(x, weight, false, true);
  if (bias) addRows(host(y.storage), bias.values);
  return y;
}

/** linear's backward for g = dL/dy: [dx, dW, db], each null where its operand needs no gradient. */
export function linearBackward(x: Tensor, weight: Tensor, bias: Tensor | null): (g: Tensor) => (Tensor | null)[] {
  return (g) => [
    x.requiresGrad ? matmulRaw(g, weight, false, false) : null,
    weight.requiresGrad ? sumTo(matmulRaw(g, x, true, false), weight.shape) : null,
    bias?.requiresGrad ? biasGrad(g, bias) : null,
  ];
}

/**
 * db = Σ g over its rows: g: [rows, out] → [out]. One row (an example at a time) is its own sum, a
 * view of g's storage rather than a copy: nothing writes into a gradient once made.
 */
function biasGrad(g: Tensor, bias: Tensor): Tensor {
  if (g.size === bias.size && g.dtype === bias.dtype) return new Tensor(g.storage, bias.shape);
  const db = allocStorage(bias.dtype, bias.size);
  addRowsInto(g.values, host(db));
  return new Tensor(db, bias.shape);
}
