import { allocIndexStorage, allocStorage, copyStorage } from '../tensor/storage.js';
import { record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import type { ReduceOp } from '../backend/backend.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { floatTypeOf } from '../tensor/dtype.js';
import { normalizeDim, splitAt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { binaryRaw } from './elementwise.js';
import { expand, gather, squeeze } from './shape.js';
import { checkOptions } from '../validate.js';

type Dims = number | number[] | null | undefined;

/** The reduced dims, sorted and de-duplicated (all dims when none are given). */
function resolveDims(x: Tensor, dims: Dims, op: string): number[] {
  if (dims === undefined || dims === null) return x.shape.map((_, i) => i);
  const list = (Array.isArray(dims) ? dims : [dims]).map((d) => normalizeDim(d, x.ndim, op));
  return [...new Set(list)].sort((a, b) => a - b);
}

/** The shape after reducing `dims`, with size-1 dims kept or dropped. */
function reducedShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Reduces `dims` one at a time with the kernel; the result has the keepdim shape. */
function reduceRaw(op: ReduceOp, x: Tensor, dims: number[], dtype = x.dtype): Tensor {
  let data = x.storage;
  const shape = [...x.shape];
  if (dims.length === x.ndim && x.ndim > 0) {
    // Whole-tensor reduction in one pass.
    const out = allocStorage(dtype, 1);
    if (x.size === 0 && op !== 'sum') throw new ShapeError(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
    backend().reduce(op, data, 1, x.size, 1, out);
    return new Tensor(out, shape.map(() => 1));
  }
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k]!;
    const { outer, n, inner } = splitAt(shape, d);
    if (n === 0 && op !== 'sum') throw new ShapeError(`${op}: cannot reduce over dim ${d} of size 0 in ${fmtShape(x.shape)}`);
    const out = allocStorage(dtype, outer * inner);
    backend().reduce(op, data, outer, n, inner, out);
    data = out;
    shape[d] = 1;
  }
  if (data === x.storage) {
    data = allocStorage(dtype, x.size);
    copyStorage(x.storage, data);
  }
  return new Tensor(data, shape);
}

/**
 * Sum over `dim` (one, several, or all when omitted). Backward: the gradient broadcast back.
 * @example x.sum(1, true)   // [N, C] → [N, 1]
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = resolveDims(x, dim, 'sum');
  const kept = reduceRaw('sum', x, dims);
  const out = keepdim ? kept : new Tensor(kept.storage, reducedShape(x.shape, dims, false));
  return record(out, 'sum', [x], (g) => [expand(g.reshape(kept.shape), x.shape)]);
}

/** Mean over `dim`; int32 inputs give float32. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = resolveDims(x, dim, 'mean');
  const count = dims.reduce((n, d) => n * x.shape[d]!, 1);
  if (count === 0) throw new ShapeError(`mean: cannot average over zero elements of ${fmtShape(x.shape)}`);
  const xf = x.to(floatTypeOf(x.dtype));
  return sum(xf, dims, keepdim).div(count);
}

/**
 * Variance over `dim`: Σ(x − mean)² / (n − correction). `correction` 1 (the default) is the
 * unbiased estimate, 0 the population variance.
 */
export function variance(x: Tensor, dim?: Dims, options: { correction?: number; keepdim?: boolean } = {}): Tensor {
  checkOptions('var', options, ['correction', 'keepdim']);
  const { correction = 1, keepdim = false } = options;
  const dims = resolveDims(x, dim, 'var');
  const count = dims.reduce((n, d) => n * x.shape[d]!, 1);
  if (count - correction <= 0) {
    throw new ValueError(`var: ${count} element(s) with correction ${correction} leave no degrees of freedom; use correction 0 or more elements`);
  }
  const xf = x.to(floatTypeOf(x.dtype));
  const centred = xf.sub(mean(xf, dims, true));
  return sum(centred.mul(centred), dims, keepdim).div(count - correction);
}

function extremeAlong(op: 'max' | 'min', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const name = op === 'max' ? 'amax' : 'amin';
  const dims = resolveDims(x, dim, name);
  const kept = reduceRaw(op, x, dims);
  const out = keepdim ? kept : new Tensor(kept.storage, reducedShape(x.shape, dims, false));
  return record(out, name, [x], (g) => {
    // The gradient is shared evenly among the elements equal to the extreme, as in PyTorch.
    const mask = binaryRaw('eq', x, kept, g.dtype);
    const count = reduceRaw('sum', mask, dims);
    return [binaryRaw('mul', binaryRaw('div', g.reshape(kept.shape), count), mask)];
  });
}

/** The largest values over `dim` (all dims when omitted). */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremeAlong('max', x, dim, keepdim);
}

export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremeAlong('min', x, dim, keepdim);
}

/** Index of the largest (smallest) element along `dim`, int32; over the flattened tensor when omitted. */
export function argReduce(x: Tensor, op: 'max' | 'min', dim?: number | null, keepdim = false): Tensor {
  const name = op === 'max' ? 'argmax' : 'argmin';
  if (x.size === 0) throw new ShapeError(`${name}: cannot take the ${name} of an empty tensor`);
  if (dim === undefined || dim === null) {
    const out = allocIndexStorage(1);
    backend().argReduce(op, x.storage, 1, x.size, 1, out);
    return new Tensor(out, keepdim ? x.shape.map(() => 1) : []);
  }
  const d = normalizeDim(dim, x.ndim, name);
  const { outer, n, inner } = splitAt(x.shape, d);
  const out = allocIndexStorage(outer * inner);
  backend().argReduce(op, x.storage, outer, n, inner, out);
  return new Tensor(out, reducedShape(x.shape, [d], keepdim));
}

/** PyTorch's `max(dim)`: the values and their int32 indices. The gradient goes to the chosen index. */
export function maxDim(x: Tensor, dim: number, keepdim: boolean, op: 'max' | 'min'): { values: Tensor; indices: Tensor } {
  const d = normalizeDim(dim, x.ndim, op);
  const idx = argReduce(x, op, d, true);
  const values = gather(x, d, idx);
  return keepdim ? { values, indices: idx } : { values: squeeze(values, d), indices: squeeze(idx, d) };
}
