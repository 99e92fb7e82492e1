import { allocOutput, allocStorage, copyStorage, fillStorage, isHost } from '../tensor/storage.js';
import type { Storage } from '../tensor/storage.js';
import { needsGrad1, record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { promoteTypes } from '../tensor/dtype.js';
import { broadcastStrides, normalizeDim, sameShape, sizeOf, splitAt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** A tensor of ones shaped like `t` (the implied gradient of a scalar). */
export function onesLikeRaw(t: Tensor): Tensor {
  const data = allocStorage(t.dtype, t.size);
  fillStorage(data, 1);
  return new Tensor(data, t.shape);
}

/**
 * A view with a new shape and the same data; one size may be −1 and is inferred.
 * @example kiln.arange(6).reshape(2, 3)
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  const infer = target.indexOf(-1);
  if (infer !== target.lastIndexOf(-1)) throw new ShapeError(`reshape: only one size can be -1, got ${fmtShape(shape)}`);
  if (target.some((d, i) => i !== infer && (!Number.isInteger(d) || d < 0))) {
    throw new ShapeError(`reshape: sizes must be non-negative integers (or one -1), got ${fmtShape(shape)}`);
  }
  if (infer >= 0) {
    const known = target.reduce((n, d, i) => (i === infer ? n : n * d), 1);
    if (known === 0 || x.size % known !== 0) throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
    target[infer] = x.size / known;
  }
  if (sizeOf(target) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)} (${sizeOf(target)} elements)`);
  }
  if (sameShape(target, x.shape)) return x;
  const from = x.shape;
  return record(new Tensor(x.storage, target), 'reshape', [x], (g) => [g.reshape(from)]);
}

/** Merges dims startDim…endDim into one: [N, C, H, W].flatten(1) → [N, C·H·W]. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new ValueError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** Removes size-1 dims (only `dim`, when given and of size 1). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normalizeDim(dim, x.ndim, 'squeeze');
  if (x.shape[d] !== 1) return x;
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

/** Inserts a size-1 dim at `dim` (−1 appends). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Reorders dims: out.shape[i] = x.shape[dims[i]]. Copies the data. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new ShapeError(`permute: got ${dims.length} dims ${fmtShape(dims)} for a ${x.ndim}-D tensor`);
  const perm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (new Set(perm).size !== perm.length) throw new ValueError(`permute: dims ${fmtShape(dims)} repeat a dim`);
  if (perm.every((p, i) => p === i)) return x;
  const out = allocStorage(x.dtype, x.size);
  backend().permute(x.storage, x.shape, perm, out);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => { inverse[p] = i; });
  return record(new Tensor(out, perm.map((p) => x.shape[p]!)), 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Checks that `shape` broadcasts to exactly `target` (for in-place ops and expand). */
export function broadcastTo(shape: readonly number[], target: readonly number[], op: string): readonly number[] {
  const off = target.length - shape.length;
  if (off < 0 || shape.some((d, i) => d !== 1 && d !== target[off + i])) {
    throw new ShapeError(`${op}: cannot broadcast ${fmtShape(shape)} to ${fmtShape(target)}`);
  }
  return target;
}

/** A copy of `x` broadcast to `shape`. Backward: the gradient summed back over broadcast dims. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - (shape.length - x.ndim)]! : d));
  if (sameShape(x.shape, target)) return x;
  broadcastTo(x.shape, target, 'expand');
  const out = allocStorage(x.dtype, sizeOf(target));
  backend().expand(x.storage, broadcastStrides(x.shape, target), out, target);
  return record(new Tensor(out, target), 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/** Sums a broadcast gradient back down to `shape`: the backward of every broadcasting op. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  return g.sum(dims, true).reshape(shape);
}

/** Copies `src`, broadcast to `dst`'s shape, into `dst`'s data (for copy_). */
export function copyInto(dst: Tensor, src: Tensor): void {
  broadcastTo(src.shape, dst.shape, 'copy_');
  if (sameShape(src.shape, dst.shape)) copyStorage(src.storage, dst.storage);
  else backend().expand(src.storage, broadcastStrides(src.shape, dst.shape), dst.storage, dst.shape);
}

/** `length` elements of `dim` from `start`. Copies the data. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const size = x.shape[d]!;
  if (start < 0) start += size;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
    throw new ShapeError(`narrow: elements ${start}…${start + length - 1} are outside dim ${d} of size ${size} in ${fmtShape(x.shape)}`);
  }
  if (start === 0 && length === size) return x;
  const { outer, n, inner } = splitAt(x.shape, d);
  // slice(), not a spread: this runs for every batch of per-sample training, and the spread's
  // iteration cost a fifth of the op.
  const shape = x.shape.slice();
  shape[d] = length;
  const out = allocOutput(x.dtype, outer * length * inner); // sliceBlock writes every element
  backend().sliceBlock(x.storage, outer, n, inner, start, length, out);
  const y = new Tensor(out, shape);
  // A batch cut from data (every step of fit) records nothing: no closure made for it.
  if (!needsGrad1(x)) return y;
  return record(y, 'narrow', [x], (g) => {
    const gx = allocStorage(g.dtype, x.size);
    backend().copyBlock(g.storage, outer, length, inner, gx, n, start);
    return [new Tensor(gx, x.shape)];
  });
}

/** Python's `x[start:end]` along `dim`; bounds are clipped and may be negative. */
export function slice(x: Tensor, dim: number, start = 0, end?: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'slice');
  const size = x.shape[d]!;
  const clip = (v: number): number => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = clip(start);
  const e = clip(end ?? size);
  return narrow(x, d, s, Math.max(e - s, 0));
}

/** The indices' storage, each checked to be in [0, bound) where they can be read (a GPU's kernels clamp them instead). */
function checkIndex(index: Tensor, bound: number, op: string): Storage {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int32, got ${index.dtype}; use index.int()`);
  const idx = index.storage;
  if (isHost(idx)) {
    for (let i = 0; i < idx.length; i++) {
      if (idx[i]! < 0 || idx[i]! >= bound) throw new ValueError(`${op}: index ${idx[i]} is out of range for a dim of size ${bound}`);
    }
  }
  return idx;
}

/** Picks entries `index` (1-D int32) along `dim`: the rows of a mini-batch. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  if (index.ndim !== 1) throw new ShapeError(`indexSelect: index must be 1-D, got ${fmtShape(index.shape)}`);
  const { outer, n, inner } = splitAt(x.shape, d);
  const idx = checkIndex(index, n, 'indexSelect');
  const shape = [...x.shape];
  shape[d] = idx.length;
  const out = allocStorage(x.dtype, sizeOf(shape));
  backend().indexSelect(x.storage, outer, n, inner, idx, out);
  return record(new Tensor(out, shape), 'indexSelect', [x], (g) => {
    const gx = allocStorage(g.dtype, x.size);
    backend().indexAdd(gx, outer, n, inner, idx, g.storage);
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * out[…, j, …] = x[…, index[…, j, …], …] along `dim`; `index` has x's shape except along `dim`.
 * @example logp.gather(1, labels.unsqueeze(1))   // each row's log-probability of its label
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, 'gather');
  if (index.ndim !== x.ndim || index.shape.some((s, i) => i !== d && s !== x.shape[i])) {
    throw new ShapeError(`gather: index of shape ${fmtShape(index.shape)} must match input ${fmtShape(x.shape)} except at dim ${d}`);
  }
  const { outer, n, inner } = splitAt(x.shape, d);
  const idx = checkIndex(index, n, 'gather');
  const m = index.shape[d]!;
  const out = allocStorage(x.dtype, index.size);
  backend().gather(x.storage, outer, n, inner, idx, m, out);
  return record(new Tensor(out, index.shape), 'gather', [x], (g) => {
    const gx = allocStorage(g.dtype, x.size);
    backend().scatterAdd(gx, outer, n, inner, idx, m, g.storage);
    return [new Tensor(gx, x.shape)];
  });
}

/** Joins tensors along an existing dim; all other sizes must match. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('cat: needs at least one tensor');
  const first = tensors[0]!;
  const d = normalizeDim(dim, first.ndim, 'cat');
  let total = 0;
  let dtype = first.dtype;
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(`cat: cannot join ${fmtShape(t.shape)} with ${fmtShape(first.shape)} along dim ${d}: other sizes differ`);
    }
    total += t.shape[d]!;
    dtype = promoteTypes(dtype, t.dtype);
  }
  const shape = [...first.shape];
  shape[d] = total;
  const out = allocStorage(dtype, sizeOf(shape));
  const { outer, inner } = splitAt(shape, d);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at);
    backend().copyBlock(t.storage, outer, t.shape[d]!, inner, out, total, at);
    at += t.shape[d]!;
  }
  return record(new Tensor(out, shape), 'cat', tensors, (g) => tensors.map((t, i) => narrow(g, d, starts[i]!, t.shape[d]!)));
}

/** Joins same-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: needs at least one tensor');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) throw new ShapeError(`stack: all tensors need one shape, got ${fmtShape(first.shape)} and ${fmtShape(t.shape)}`);
  }
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

