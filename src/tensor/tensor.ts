import { record, runBackward, isGradEnabled } from '../autograd/tape.js';
import type { GradFn } from '../autograd/tape.js';
import { backend, startedBackend } from '../backend/registry.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ew from '../ops/elementwise.js';
import * as act from '../ops/activation.js';
import * as red from '../ops/reduce.js';
import * as sh from '../ops/shape.js';
import { matmul } from '../ops/matmul.js';
import { softmax, logSoftmax } from '../ops/softmax.js';
import { isFloat } from './dtype.js';
import type { DType, TypedArray } from './dtype.js';
import { formatTensor } from './format.js';
import { checkOptions } from '../validate.js';
import { broadcastStrides, sameShape, sizeOf, stridesOf } from './shape.js';
import { allocStorage, copyStorage, fillStorage, host, isHost, isReleased, readStorage, storageDType } from './storage.js';
import type { HostStorage, Storage } from './storage.js';

/** Nested JavaScript arrays of numbers, as `toArray()` returns and `tensor()` takes. */
export type NestedArray = number | NestedArray[];

/** backward's options when none are passed (so the common call checks nothing). */
const NO_OPTIONS: { retainGraph?: boolean } = Object.freeze({});

/**
 * An n-dimensional array with a dtype, stored row-major and contiguous in a storage that belongs
 * to the backend that made it (wasm: the kernels' own memory), and that can take part in automatic
 * differentiation. Create tensors with `kiln.tensor`, `kiln.zeros`, `kiln.randn`, …; every op
 * returns a new tensor, except the in-place methods ending in `_`. Read the values with
 * `await t.data()` or `await t.toArrayAsync()` (every backend), or `t.dataSync()` / `t.toArray()`
 * / `t.item()` where the backend's memory can be read synchronously (js, wasm). Nothing needs
 * freeing: see `kiln.memory()`.
 *
 * @example
 * const x = kiln.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();   // 30
 * y.backward();               // x.grad = 2·x
 * console.log(await x.grad!.data());   // Float32Array [2, 4, 6, 8]
 */
export class Tensor {
  /** The elements, row-major, in the backend's memory. Shared with views made by `reshape`. */
  private readonly memory: Storage;
  readonly shape: readonly number[];
  /** The element type (of its storage; kept here because every op reads it). */
  readonly dtype: DType;
  /** Whether gradients flow to this tensor; leaves with it set receive `.grad` from `backward()`. */
  requiresGrad = false;
  /** d(output)/d(this) accumulated by `backward()`; a leaf's only. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autograd. */
  gradFn: GradFn | null = null;
  /** Set by `nn.Parameter`: a module's trainable tensor. */
  isParameter = false;
  /** @internal Set on a gradient by zeroGrad (its values are zeros) until backward adds to it. */
  zeroed = false;
  /** @internal The backward pass that last visited this tensor (autograd bookkeeping). */
  visitMark = 0;
  /** @internal Gradient waiting to be passed on during a backward pass. */
  pendingGrad: Tensor | null = null;
  /**
   * @internal Storages that only this tensor's autograd graph can reach (a module's intermediates),
   * released by the backward pass that consumes the graph (autograd/release.ts).
   */
  intermediates: Storage[] | null = null;

  /**
   * A tensor over `storage` (kept, not copied: a plain typed array works on every CPU backend;
   * ops allocate theirs from the backend with `allocStorage`).
   */
  constructor(storage: Storage, shape: readonly number[]) {
    if (storage.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: ${storage.length} elements cannot have shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    this.memory = storage;
    this.dtype = storageDType(storage);
    this.shape = shape;
  }

  get ndim(): number { return this.shape.length; }
  get size(): number { return this.memory.length; }
  /** Whether this tensor was made by an op (false for leaves such as parameters and inputs). */
  get isLeaf(): boolean { return this.gradFn === null; }

  /**
   * The live elements in the backend's memory, row-major, with no copy: what kernels and custom
   * ops read and write. Valid while this tensor lives; for a copy of your own use `dataSync()`.
   * Throws where the tensor's memory was released (an intermediate of a graph that `backward()`
   * consumed) or cannot be read synchronously.
   */
  get values(): HostStorage {
    return host(this.storage);
  }

  /**
   * @internal The storage itself, on any backend (a GPU buffer included): what ops hand to kernels.
   * Throws where the tensor's memory was released.
   */
  get storage(): Storage {
    if (isReleased(this.memory)) refuseReleased();
    return this.memory;
  }

  // ── Output ────────────────────────────────────────────────────────────────────────────────

  /**
   * A copy of the elements, row-major, on every backend (a GPU backend reads them back first).
   * @example const [a, b] = await kiln.tensor([1, 2]).data();
   */
  async data(): Promise<TypedArray> {
    const s = this.storage;
    return isHost(s) ? s.slice() : readStorage(s);
  }

  /** A copy of the elements, read synchronously (js and wasm backends). */
  dataSync(): TypedArray {
    return this.values.slice();
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: only a one-element tensor has an item, got shape ${fmtShape(this.shape)}; use toArray()`);
    return this.values[0]!;
  }

  /** `item()`, on every backend. */
  async itemAsync(): Promise<number> {
    if (this.size !== 1) return this.item();
    return (await this.data())[0]!;
  }

  /** The elements as nested arrays, on every backend. */
  async toArrayAsync(): Promise<NestedArray> {
    return this.nest(await this.data());
  }

  /** The elements as nested arrays (a number for a 0-D tensor), read synchronously. */
  toArray(): NestedArray {
    return this.nest(this.values);
  }

  private nest(values: TypedArray): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return values[offset]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** Readable, like PyTorch's: `tensor([[0.5000, 1.0000], …])`. */
  toString(): string { return formatTensor(this); }

  // ── Autograd ──────────────────────────────────────────────────────────────────────────────

  /**
   * Back-propagates from this tensor (a scalar, or pass the output gradient): every leaf that
   * requires a gradient gets it added to its `.grad`. The memory of the graph's intermediates
   * inside modules and losses is then reused; `{ retainGraph: true }` keeps the graph for another
   * backward pass through it, as in PyTorch.
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = NO_OPTIONS): void {
    if (options !== NO_OPTIONS) checkOptions('backward', options, ['retainGraph']);
    runBackward(this, gradient, (t) => sh.onesLikeRaw(t), options.retainGraph === true);
  }

  /** A tensor with the same data, cut from the graph. */
  detach(): Tensor { return new Tensor(this.storage, this.shape); }

  /** Sets `requiresGrad` on a leaf, in place: `w.requiresGrad_()`. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) throw new ValueError('requiresGrad_: only leaf tensors can change requiresGrad; use detach() first');
    if (flag && !isFloat(this.dtype)) throw new DTypeError(`requiresGrad_: only float tensors can require gradients, got ${this.dtype}`);
    this.requiresGrad = flag;
    return this;
  }

  /** @internal Zeroes `.grad` in place, keeping its memory (zeroGrad); the next backward copies into it. */
  resetGrad(): void {
    if (!this.grad) return;
    fillStorage(this.grad.storage, 0);
    this.grad.zeroed = true;
  }

  /** @internal Adds `g` into `.grad` (used by backward). */
  accumulateGrad(g: Tensor): void {
    if (this.grad === null) {
      const copy = allocStorage(this.dtype, this.size, 'a gradient', true);
      copyStorage(g.storage, copy);
      this.grad = new Tensor(copy, this.shape);
    } else if (this.grad.zeroed) {
      // zeroGrad left zeros: a copy (memcpy) is the sum, and costs a fraction of the add loop
      copyStorage(g.storage, this.grad.storage);
    } else {
      const d = this.grad.storage;
      backend().binary('add', d, stridesOf(this.shape), g.storage, stridesOf(this.shape), d, this.shape);
    }
    this.grad.zeroed = false;
  }

  // ── Copies and conversions ───────────────────────────────────────────────────────────────

  /**
   * A copy of this tensor in the memory of the backend `name` (which must have started), out of the
   * graph: the way tensors move between the CPU and a GPU.
   * @example const onGpu = await t.toBackend('webgpu');   const back = await onGpu.toBackend('js');
   */
  async toBackend(name: string): Promise<Tensor> {
    const target = startedBackend(name, 'toBackend');
    const values = await this.data();
    const s = target.alloc(this.dtype, this.size, 'a tensor', true, false);
    target.write(s, values);
    return new Tensor(s, this.shape);
  }

  /** A copy with its own data, still in the graph. */
  clone(): Tensor {
    const copy = allocStorage(this.dtype, this.size);
    copyStorage(this.storage, copy);
    const out = new Tensor(copy, this.shape);
    return record(out, 'clone', [this], (g) => [g]);
  }

  /** This tensor in another dtype (itself when already that dtype). */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const data = allocStorage(dtype, this.size);
    copyStorage(this.storage, data);
    const out = new Tensor(data, this.shape);
    if (!isFloat(dtype)) return out;
    const from = this.dtype;
    return record(out, 'to', [this], (g) => [g.to(from)]);
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  int(): Tensor { return this.to('int32'); }

  // ── Elementwise ──────────────────────────────────────────────────────────────────────────

  add(other: Tensor | number): Tensor { return ew.add(this, other); }
  sub(other: Tensor | number): Tensor { return ew.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ew.mul(this, other); }
  div(other: Tensor | number): Tensor { return ew.div(this, other); }
  pow(exponent: Tensor | number): Tensor { return ew.pow(this, exponent); }
  maximum(other: Tensor | number): Tensor { return ew.maximum(this, other); }
  minimum(other: Tensor | number): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  square(): Tensor { return ew.mul(this, this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  eq(other: Tensor | number): Tensor { return ew.compare('eq', this, other); }
  ne(other: Tensor | number): Tensor { return ew.compare('ne', this, other); }
  lt(other: Tensor | number): Tensor { return ew.compare('lt', this, other); }
  le(other: Tensor | number): Tensor { return ew.compare('le', this, other); }
  gt(other: Tensor | number): Tensor { return ew.compare('gt', this, other); }
  ge(other: Tensor | number): Tensor { return ew.compare('ge', this, other); }

  sigmoid(): Tensor { return act.sigmoid(this); }
  tanh(): Tensor { return act.tanh(this); }
  relu(): Tensor { return act.relu(this); }
  leakyRelu(negativeSlope = act.DEFAULT_NEGATIVE_SLOPE): Tensor { return act.leakyRelu(this, negativeSlope); }
  softplus(): Tensor { return act.softplus(this); }
  softmax(dim: number): Tensor { return softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return logSoftmax(this, dim); }

  // ── Reductions ───────────────────────────────────────────────────────────────────────────

  sum(dim?: number | number[] | null, keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | number[] | null, keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  var(dim?: number | number[] | null, options: { correction?: number; keepdim?: boolean } = {}): Tensor { return red.variance(this, dim, options); }
  amax(dim?: number | number[] | null, keepdim = false): Tensor { return red.amax(this, dim, keepdim); }
  amin(dim?: number | number[] | null, keepdim = false): Tensor { return red.amin(this, dim, keepdim); }
  /** The largest element; with `dim`, the largest along it and where it is, as PyTorch's. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amax(this) : red.maxDim(this, dim, keepdim, 'max');
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amin(this) : red.maxDim(this, dim, keepdim, 'min');
  }
  argmax(dim?: number | null, keepdim = false): Tensor { return red.argReduce(this, 'max', dim, keepdim); }
  argmin(dim?: number | null, keepdim = false): Tensor { return red.argReduce(this, 'min', dim, keepdim); }

  // ── Linear algebra and shape ─────────────────────────────────────────────────────────────

  matmul(other: Tensor): Tensor { return matmul(this, other); }
  reshape(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, flatArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return sh.flatten(this, startDim, endDim); }
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  /** The transpose of a 2-D tensor. */
  t(): Tensor { return sh.transpose(this, 0, 1); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return sh.permute(this, flatArgs(dims)); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return sh.expand(this, flatArgs(shape)); }
  narrow(dim: number, start: number, length: number): Tensor { return sh.narrow(this, dim, start, length); }
  /** Elements start…end−1 along `dim` (Python's `x[start:end]`; negative bounds count from the end). */
  slice(dim: number, start?: number, end?: number): Tensor { return sh.slice(this, dim, start, end); }
  indexSelect(dim: number, index: Tensor): Tensor { return sh.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return sh.gather(this, dim, index); }

  // ── In place (refused on tensors that need a gradient, outside noGrad) ────────────────────

  add_(other: Tensor | number): this { return this.inPlace('add_', other, 'add'); }
  sub_(other: Tensor | number): this { return this.inPlace('sub_', other, 'sub'); }
  mul_(other: Tensor | number): this { return this.inPlace('mul_', other, 'mul'); }
  div_(other: Tensor | number): this { return this.inPlace('div_', other, 'div'); }
  /** Copies `src` (broadcast to this shape) into this tensor. */
  copy_(src: Tensor): this { this.checkInPlace('copy_'); sh.copyInto(this, src); return this; }
  fill_(value: number): this { this.checkInPlace('fill_'); fillStorage(this.storage, value); return this; }
  zero_(): this { return this.fill_(0); }

  private checkInPlace(op: string): void {
    if (this.requiresGrad && isGradEnabled()) {
      throw new ValueError(`${op}: cannot change a tensor that requires grad in place while recording; wrap the update in kiln.noGrad(() => …)`);
    }
  }

  private inPlace(name: string, other: Tensor | number, op: 'add' | 'sub' | 'mul' | 'div'): this {
    this.checkInPlace(name);
    const o = ew.asTensor(other, this);
    if (!sameShape(o.shape, this.shape)) {
      const target = sh.broadcastTo(o.shape, this.shape, name);
      backend().binary(op, this.storage, stridesOf(this.shape), o.storage, broadcastStrides(o.shape, target), this.storage, this.shape);
    } else {
      backend().binary(op, this.storage, stridesOf(this.shape), o.storage, stridesOf(o.shape), this.storage, this.shape);
    }
    return this;
  }
}

/** Tensor.storage's error, apart so that the getter stays small enough to inline. */
function refuseReleased(): never {
  throw new ValueError('this tensor is an intermediate result inside a module (or loss) whose graph backward() has consumed, and its memory was reused; to keep it, return it from forward() or copy it with .clone() before backward(), or call backward() only once per forward pass');
}

/** Data uploaded to a GPU once, by the tensor they came from (the garbage collector drops both together). */
const uploaded = new WeakMap<Tensor, Tensor>();

/**
 * `t` in the current backend's memory: itself on a CPU backend (or when already there); on a GPU,
 * a copy uploaded once and kept while `t` lives (a dataset made before setBackend('webgpu')).
 */
export function onCurrentBackend(t: Tensor): Tensor {
  const b = backend();
  const s = t.storage;
  if (!b.onDevice || !isHost(s)) return t;
  let copy = uploaded.get(t);
  if (!copy) {
    const placed = allocStorage(t.dtype, t.size, 'data moved to the GPU', true);
    copyStorage(s, placed);
    copy = new Tensor(placed, t.shape);
    uploaded.set(t, copy);
  }
  return copy;
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}
