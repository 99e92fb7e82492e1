import type { DType, TypedArray } from '../tensor/dtype.js';

/** Elementwise functions of one argument. */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'abs' | 'sign'
  | 'sigmoid' | 'tanh' | 'relu' | 'softplus';

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
 * The kernels a backend provides, over storages it allocated (`alloc`). Kernels know nothing of
 * tensors: they take storages and sizes, write into `out`, and can be tested and timed alone. The
 * `js` backend implements every kernel; a faster backend spreads it and overrides the ones it
 * speeds up (a CPU backend's storages are typed arrays, so a js kernel runs on them in place).
 *
 * Layout conventions: arrays are row-major. A tensor reduced or indexed along one dim is seen as
 * [outer, n, inner]. Broadcast operands are read through strides (0 on a broadcast dim).
 */
export interface Backend {
  readonly name: string;
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
  alloc(dtype: DType, n: number, what: string, own: boolean, zeroed: boolean): TypedArray;
  /**
   * Takes back a storage this backend allocated, now (others are ignored): true when its memory
   * will be reused, so nothing may read it after; false when the garbage collector frees it.
   */
  release(storage: TypedArray): boolean;
  memoryStats(): MemoryStats;
  /** out[i] = op(x[i]). `out` may be `x`. */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray): void;
  /** out[idx] = op(a[idx·aStrides], b[idx·bStrides]) over every index of `outShape`. */
  binary(op: BinaryOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[], out: TypedArray, outShape: readonly number[]): void;
  /** out = cond ≠ 0 ? a : b, all three broadcast to `outShape`. */
  where(cond: TypedArray, cStrides: readonly number[], a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[], out: TypedArray, outShape: readonly number[]): void;
  /** out[i] = min(max(x[i], lo), hi). */
  clamp(x: TypedArray, lo: number, hi: number, out: TypedArray): void;
  /** x: [outer, n, inner] → out: [outer, inner]. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  /** x: [outer, n, inner] → out: [outer, inner], the index of the first max (or min). */
  argReduce(op: 'max' | 'min', x: TypedArray, outer: number, n: number, inner: number, out: Int32Array): void;
  /**
   * A batch of matrix products: for each b < batch, C_b[m, n] = op(A_b)·op(B_b), where op transposes
   * when asked (A_b is stored [k, m] when transA, B_b is stored [n, k] when transB).
   * Consecutive matrices are aStride / bStride elements apart (0 broadcasts one matrix).
   */
  matmul(a: TypedArray, aStride: number, b: TypedArray, bStride: number, out: TypedArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): void;
  /** out = x with its axes reordered: out.shape[i] = shape[perm[i]]. */
  permute(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void;
  /** Softmax (or log-softmax) along the middle axis of x: [outer, n, inner]. */
  softmax(x: TypedArray, outer: number, n: number, inner: number, log: boolean, out: TypedArray): void;
  /**
   * Gathers along the middle axis: x: [outer, n, inner], index: [outer, m, inner] of values in
   * [0, n) → out: [outer, m, inner]. With `accumulate`, scatters instead: x += out-shaped values
   * at index (the gradient of gather), i.e. x[o, index[o,j,i], i] += src[o, j, i].
   */
  gather(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, out: TypedArray): void;
  scatterAdd(dst: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, src: TypedArray): void;
  /** Copies rows: x: [outer, n, inner], out: [outer, m, inner] with out[:, j] = x[:, index[j]]. */
  indexSelect(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, out: TypedArray): void;
  /** Copies a block: x: [outer, n, inner] → out[:, outStart + j, :] = x[:, j, :] into out: [outer, outN, inner]. */
  copyBlock(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray, outN: number, outStart: number): void;
  /** Reads a block back: out[:, j, :] = x[:, start + j, :] for j < len, x: [outer, n, inner]. */
  sliceBlock(x: TypedArray, outer: number, n: number, inner: number, start: number, len: number, out: TypedArray): void;
  /** out: [N, F, OH, OW] = x: [N, C, H, W] ⋆ w: [F, C, KH, KW] (cross-correlation) + bias: [F] when given. */
  conv2d(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, F: number, g: Window2d): void;
  /** dx: [N, C, H, W] = the gradient of conv2d for its input, from dy: [N, F, OH, OW]. */
  conv2dBackwardInput(dy: TypedArray, w: TypedArray, dx: TypedArray, F: number, g: Window2d): void;
  /** dw: [F, C, KH, KW] = the gradient of conv2d for its filters (overwritten, summed over N). */
  conv2dBackwardFilter(x: TypedArray, dy: TypedArray, dw: TypedArray, F: number, g: Window2d): void;
  /**
   * Every gradient of conv2d that is wanted, in one call (null: not wanted): dx as
   * conv2dBackwardInput, dw as conv2dBackwardFilter, db: [F] = Σ dy[·, f, ·, ·]. dy is left as it is.
   */
  conv2dBackward(dy: TypedArray, x: TypedArray, w: TypedArray, dx: TypedArray | null, dw: TypedArray | null, db: TypedArray | null, F: number, g: Window2d): void;
  /**
   * The fused op maxPool2d(relu(conv2d(x, w, bias))) (ops/fused.ts): out: [N, F, POH, POW] over the
   * pooling window `pg` (no padding or dilation); `argmax` records, per pooled value, the index of
   * its max within its example's [F, OH, OW] conv output. The js kernel is that composition.
   */
  conv2dReluMaxPool(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, argmax: Int32Array, F: number, g: Window2d, pg: Window2d): void;
  /**
   * Its gradients: dy: [N, F, POH, POW] routed to each window's max, masked where the pooled output
   * y is 0 (ReLU), then as conv2dBackward.
   */
  conv2dReluMaxPoolBackward(dy: TypedArray, y: TypedArray, argmax: Int32Array, x: TypedArray, w: TypedArray, dx: TypedArray | null, dw: TypedArray | null, db: TypedArray | null, F: number, g: Window2d): void;
  /** out: [N, C, OH, OW] = the max of each window (padding never wins); `argmax` records where. */
  maxPool2d(x: TypedArray, out: TypedArray, argmax: Int32Array, g: Window2d): void;
  /** dx += dy routed to each window's argmax (dx must start zeroed). */
  maxPool2dBackward(dy: TypedArray, argmax: Int32Array, dx: TypedArray): void;
  /** out: the mean of each window, padding counted as zeros (PyTorch's count_include_pad). */
  avgPool2d(x: TypedArray, out: TypedArray, g: Window2d): void;
  avgPool2dBackward(dy: TypedArray, dx: TypedArray, g: Window2d): void;
  /** out: [N·C, OH, OW], cell (i, j) the mean of rows ⌊iH/OH⌋…⌈(i+1)H/OH⌉ and the same for columns. */
  adaptiveAvgPool2d(x: TypedArray, out: TypedArray, planes: number, H: number, W: number, OH: number, OW: number): void;
  adaptiveAvgPool2dBackward(dy: TypedArray, dx: TypedArray, planes: number, H: number, W: number, OH: number, OW: number): void;
  /** SGD in place (PyTorch's rule); `buf` is the momentum buffer, `first` is its first step. */
  sgdStep(p: TypedArray, g: TypedArray, buf: TypedArray | null, o: { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number; first: boolean }): void;
  /** RMSprop in place: sq = α·sq + (1−α)·g², p −= lr·g/(√sq + ε) (through `buf` with momentum). */
  rmspropStep(p: TypedArray, g: TypedArray, sq: TypedArray, buf: TypedArray | null, o: { lr: number; alpha: number; eps: number; momentum: number; weightDecay: number }): void;
  /** Adam / AdamW in place, with bias correction for step t ≥ 1. */
  adamStep(p: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; t: number }): void;
}
