import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Storage } from '../tensor/storage.js';

/** Elementwise functions of one argument. */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'abs' | 'sign'
  | 'sigmoid' | 'tanh' | 'relu' | 'softplus' | 'sin' | 'cos';

/** Elementwise functions of two broadcast arguments. Comparisons write 1 or 0. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  /** ReLU's backward in one pass: a (the gradient) where b (the input) > 0, else 0. */
  | 'reluGrad'
  /** The sigmoid's backward from its output s = b: a·s·(1 − s). */
  | 'sigmoidGrad'
  /** tanh's backward from its output t = b: a·(1 − t²). */
  | 'tanhGrad';

/**
 * The geometry of a 2-D convolution or pooling over NCHW data. `padH`/`padW` are the top/left
 * padding; OH/OW already account for the bottom/right padding (which may differ, for 'same').
 */
export interface Window2d {
  N: number; C: number; H: number; W: number;
  KH: number; KW: number; OH: number; OW: number;
  strideH: number; strideW: number; padH: number; padW: number; dilH: number; dilW: number;
}

/** Reductions along one axis. */
export type ReduceOp = 'sum' | 'max' | 'min';

/**
 * What a backend's own memory holds now (`kiln.memory()`): the storages it hands back early. The
 * js backend's arrays, and the wasm backend's under 4 KB, are the garbage collector's and not counted.
 */
export interface MemoryStats {
  /** Storages allocated and not yet handed back. */
  liveStorages: number;
  liveBytes: number;
  /** The most bytes the backend's memory has held (wasm: the kernels' memory size). */
  highWaterBytes: number;
  /** Storages handed back deterministically (autograd release) and by the garbage collector. */
  released: number;
  collected: number;
}

/**
 * The kernels of a backend, over its storages (index storages: int32 argmax and indices).
 * Kernels know nothing of tensors: they take storages and sizes, write into `out`, and can be
 * tested and timed alone. Each checks that the storages are its backend's kind (the CPU kernels:
 * typed arrays, through `host()`; the GPU's: its buffers) and says what to do when they are not.
 *
 * Layout conventions: arrays are row-major. A tensor reduced or indexed along one dim is seen as
 * [outer, n, inner]. Broadcast operands are read through strides (0 on a broadcast dim).
 */
export interface Kernels {
  /** out[i] = op(x[i]). `out` may be `x`. */
  unary(op: UnaryOp, x: Storage, out: Storage): void;
  /** out[idx] = op(a[idx·aStrides], b[idx·bStrides]) over every index of `outShape`. */
  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, outShape: readonly number[]): void;
  /** out = cond ≠ 0 ? a : b, all three broadcast to `outShape`. */
  where(cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, outShape: readonly number[]): void;
  /** out[idx] = x[idx·xStrides] over every index of `outShape`: a broadcast copy. */
  expand(x: Storage, xStrides: readonly number[], out: Storage, outShape: readonly number[]): void;
  /** out[i] = min(max(x[i], lo), hi). */
  clamp(x: Storage, lo: number, hi: number, out: Storage): void;
  /** x: [outer, n, inner] → out: [outer, inner]. */
  reduce(op: ReduceOp, x: Storage, outer: number, n: number, inner: number, out: Storage): void;
  /** x: [outer, n, inner] → out: [outer, inner], the index of the first max (or min). */
  argReduce(op: 'max' | 'min', x: Storage, outer: number, n: number, inner: number, out: Storage): void;
  /**
   * A batch of matrix products: for each b < batch, C_b[m, n] = op(A_b)·op(B_b), where op transposes
   * when asked (A_b is stored [k, m] when transA, B_b is stored [n, k] when transB).
   * Consecutive matrices are aStride / bStride elements apart (0 broadcasts one matrix).
   */
  matmul(a: Storage, aStride: number, b: Storage, bStride: number, out: Storage, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): void;
  /** out = x with its axes reordered: out.shape[i] = shape[perm[i]]. */
  permute(x: Storage, shape: readonly number[], perm: readonly number[], out: Storage): void;
  /** Softmax (or log-softmax) along the middle axis of x: [outer, n, inner]. */
  softmax(x: Storage, outer: number, n: number, inner: number, log: boolean, out: Storage): void;
  /**
   * Gathers along the middle axis: x: [outer, n, inner], index: [outer, m, inner] of values in
   * [0, n) → out: [outer, m, inner]. With `accumulate`, scatters instead: x += out-shaped values
   * at index (the gradient of gather), i.e. x[o, index[o,j,i], i] += src[o, j, i].
   */
  gather(x: Storage, outer: number, n: number, inner: number, index: Storage, m: number, out: Storage): void;
  scatterAdd(dst: Storage, outer: number, n: number, inner: number, index: Storage, m: number, src: Storage): void;
  /** Copies rows: x: [outer, n, inner], out: [outer, m, inner] with out[:, j] = x[:, index[j]]. */
  indexSelect(x: Storage, outer: number, n: number, inner: number, index: Storage, out: Storage): void;
  /** The adjoint of indexSelect: dst[:, index[j], :] += src[:, j, :], dst: [outer, n, inner], src: [outer, index.length, inner]. */
  indexAdd(dst: Storage, outer: number, n: number, inner: number, index: Storage, src: Storage): void;
  /** Copies a block: x: [outer, n, inner] → out[:, outStart + j, :] = x[:, j, :] into out: [outer, outN, inner]. */
  copyBlock(x: Storage, outer: number, n: number, inner: number, out: Storage, outN: number, outStart: number): void;
  /** Reads a block back: out[:, j, :] = x[:, start + j, :] for j < len, x: [outer, n, inner]. */
  sliceBlock(x: Storage, outer: number, n: number, inner: number, start: number, len: number, out: Storage): void;
  /** out: [N, F, OH, OW] = x: [N, C, H, W] ⋆ w: [F, C, KH, KW] (cross-correlation) + bias: [F] when given. */
  conv2d(x: Storage, w: Storage, bias: Storage | null, out: Storage, F: number, g: Window2d): void;
  /** dx: [N, C, H, W] = the gradient of conv2d for its input, from dy: [N, F, OH, OW]. */
  conv2dBackwardInput(dy: Storage, w: Storage, dx: Storage, F: number, g: Window2d): void;
  /** dw: [F, C, KH, KW] = the gradient of conv2d for its filters (overwritten, summed over N). */
  conv2dBackwardFilter(x: Storage, dy: Storage, dw: Storage, F: number, g: Window2d): void;
  /**
   * Every gradient of conv2d that is wanted, in one call (null: not wanted): dx as
   * conv2dBackwardInput, dw as conv2dBackwardFilter, db: [F] = Σ dy[·, f, ·, ·], each overwritten
   * in full (they come unzeroed). dy is left as it is.
   */
  conv2dBackward(dy: Storage, x: Storage, w: Storage, dx: Storage | null, dw: Storage | null, db: Storage | null, F: number, g: Window2d): void;
  /**
   * The fused op maxPool2d(relu(conv2d(x, w, bias))) (ops/fused.ts): out: [N, F, POH, POW] over the
   * pooling window `pg` (no padding or dilation); `argmax` records, per pooled value, the index of
   * its max within its example's [F, OH, OW] conv output (null: no gradient will be taken, nothing
   * recorded). The js kernel is that composition.
   */
  conv2dReluMaxPool(x: Storage, w: Storage, bias: Storage | null, out: Storage, argmax: Storage | null, F: number, g: Window2d, pg: Window2d): void;
  /**
   * Its gradients: dy: [N, F, POH, POW] routed to each window's max, masked where the pooled output
   * y is 0 (ReLU), then as conv2dBackward.
   */
  conv2dReluMaxPoolBackward(dy: Storage, y: Storage, argmax: Storage, x: Storage, w: Storage, dx: Storage | null, dw: Storage | null, db: Storage | null, F: number, g: Window2d): void;
  /** out: [N, C, OH, OW] = the max of each window (padding never wins); `argmax` records where (null: not recorded). */
  maxPool2d(x: Storage, out: Storage, argmax: Storage | null, g: Window2d): void;
  /** dx += dy routed to each window's argmax (dx must start zeroed). */
  maxPool2dBackward(dy: Storage, argmax: Storage, dx: Storage): void;
  /** out: the mean of each window, padding counted as zeros (PyTorch's count_include_pad). */
  avgPool2d(x: Storage, out: Storage, g: Window2d): void;
  avgPool2dBackward(dy: Storage, dx: Storage, g: Window2d): void;
  /** out: [N·C, OH, OW], cell (i, j) the mean of rows ⌊iH/OH⌋…⌈(i+1)H/OH⌉ and the same for columns. */
  adaptiveAvgPool2d(x: Storage, out: Storage, planes: number, H: number, W: number, OH: number, OW: number): void;
  adaptiveAvgPool2dBackward(dy: Storage, dx: Storage, planes: number, H: number, W: number, OH: number, OW: number): void;
  /**
   * Inverted dropout's mask: out[i] = scale where the i-th uniform() of a generator in `state` (its
   * four xoshiro128** words) is ≥ p, else 0: the draws rand() would make, compared exactly (in
   * float64, as 53-bit integers on a GPU). The caller moves its generator on by 2·out.length words.
   */
  dropoutMask(out: Storage, state: readonly number[], p: number, scale: number): void;
  /** SGD in place (PyTorch's rule); `buf` is the momentum buffer, `first` is its first step. */
  sgdStep(p: Storage, g: Storage, buf: Storage | null, o: { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number; first: boolean }): void;
  /** RMSprop in place: sq = α·sq + (1−α)·g², p −= lr·g/(√sq + ε) (through `buf` with momentum). */
  rmspropStep(p: Storage, g: Storage, sq: Storage, buf: Storage | null, o: { lr: number; alpha: number; eps: number; momentum: number; weightDecay: number }): void;
  /** Adam / AdamW in place, with bias correction for step t ≥ 1. */
  adamStep(p: Storage, g: Storage, m: Storage, v: Storage, o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; t: number }): void;
}

/**
 * A backend: the storages it makes and owns (`alloc`, `release`; typed arrays on the CPU, buffers
 * on a GPU), moving values in and out of them, and its kernels over them. The `js` backend
 * implements every kernel; the wasm backend overrides the ones it speeds up (its storages are typed
 * arrays, so a js kernel runs on them in place); a GPU backend implements every kernel itself.
 */
export interface Backend extends Kernels {
  readonly name: string;
  /** Whether its storages are out of JavaScript's reach (a GPU's buffers), read back only by `read`. */
  readonly onDevice: boolean;
  /** What this backend runs on now, for benchmarks and bug reports (e.g. 'SIMD, 2 threads'). */
  readonly detail?: () => string;
  /**
   * Storages of fewer elements are never handed back early (`release` returns false for them: the
   * garbage collector frees them), so the autograd release does not track them. Infinity: none.
   */
  readonly minReleasable: number;
  /**
   * A storage of `n` elements, zeroed when `zeroed` (otherwise its values are unspecified: for an
   * output its kernel writes in full). `what` names it in errors. `own`: in this backend's own
   * memory (a CPU backend may otherwise return a JavaScript array, which the garbage collector frees).
   */
  alloc(dtype: DType, n: number, what: string, own: boolean, zeroed: boolean): Storage;
  /**
   * Takes back a storage this backend allocated, now (others are ignored): true when its memory
   * will be reused, so nothing may read it after; false when the garbage collector frees it.
   */
  release(storage: Storage): boolean;
  memoryStats(): MemoryStats;
  /** A copy of a storage's values (a GPU backend reads the buffer back; CPU backends copy). */
  read(s: Storage): Promise<TypedArray>;
  /** Overwrites a storage with `values` (same dtype, same length): an upload on a GPU. */
  write(s: Storage, values: TypedArray): void;
  /** Sets every element of `s` to `value`. */
  fill(s: Storage, value: number): void;
  /** dst = src, element by element; when their dtypes differ, converted (to int32 by truncation). */
  copy(src: Storage, dst: Storage): void;
}
