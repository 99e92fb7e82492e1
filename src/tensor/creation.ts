import { allocStorage, copyStorage, fillStorage, hostArray, placeHost } from './storage.js';
import type { Storage } from './storage.js';
import { copyHost } from '../backend/host.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { DEFAULT_DTYPE, checkDType, dtypeOf, isFloat } from './dtype.js';
import type { DType, TypedArray } from './dtype.js';
import { defaultGenerator } from './random.js';
import type { Generator } from './random.js';
import { checkShape, sizeOf } from './shape.js';
import { checkOptions } from '../validate.js';
import { Tensor } from './tensor.js';
import type { NestedArray } from './tensor.js';

export interface CreateOptions {
  /** float32 unless given (int32 for `arange`/`randint` of integers). */
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  /** Draw from this generator instead of the global one seeded by `manualSeed`. */
  generator?: Generator;
}

function finish(data: Storage, shape: readonly number[], opts: CreateOptions, op: string): Tensor {
  const t = new Tensor(placeHost(data), shape);
  if (opts.requiresGrad) {
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: only float tensors can require gradients, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

const CREATE_KEYS = ['dtype', 'requiresGrad'] as const;
const RANDOM_KEYS = [...CREATE_KEYS, 'generator'] as const;

/** The dtype asked for (after refusing options the creator does not take), else `fallback`. */
function resolveDType(opts: CreateOptions, op: string, fallback: DType = DEFAULT_DTYPE, keys: readonly string[] = CREATE_KEYS): DType {
  checkOptions(op, opts, keys);
  return opts.dtype === undefined ? fallback : checkDType(opts.dtype, op);
}

/**
 * A tensor from a number, nested arrays or a typed array (whose dtype it keeps unless told).
 * @example kiln.tensor([[0.5, 1.0], [1.5, -2.0]])
 */
export function tensor(values: NestedArray | TypedArray | Tensor, opts: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  if (values instanceof Tensor) {
    const copy = allocStorage(resolveDType(opts, 'tensor', values.dtype, [...CREATE_KEYS, 'shape']), values.size);
    copyStorage(values.storage, copy);
    return finish(copy, values.shape, opts, 'tensor');
  }
  if (ArrayBuffer.isView(values)) {
    const data = values as TypedArray;
    const shape = opts.shape ? checkShape(opts.shape, 'tensor') : [data.length];
    return finish(allocateCopy(data, resolveDType(opts, 'tensor', dtypeOf(data), [...CREATE_KEYS, 'shape'])), shape, opts, 'tensor');
  }
  const shape: number[] = [];
  for (let v: NestedArray = values; Array.isArray(v); v = v[0]!) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const dtype = resolveDType(opts, 'tensor', DEFAULT_DTYPE, [...CREATE_KEYS, 'shape']);
  const data = hostArray(dtype, sizeOf(shape));
  let at = 0;
  const fill = (v: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') {
        throw Array.isArray(v)
          ? new ShapeError(`tensor: ragged nested array: element ${path} is an array where a number was expected`)
          : new DTypeError(`tensor: element ${path || '0'} is ${typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `a ${typeof v} (${String(v)})`}; tensors hold numbers (convert with Number(), or 1/0 for true/false)`);
      }
      data[at++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ShapeError(`tensor: ragged nested array: element ${path || 'at the top'} has ${Array.isArray(v) ? v.length : 'no'} entries, expected ${shape[dim]}`);
    }
    v.forEach((x, i) => fill(x, dim + 1, `${path}[${i}]`));
  };
  fill(values, 0, '');
  return finish(data, opts.shape ? checkShape(opts.shape, 'tensor') : shape, opts, 'tensor');
}

function allocateCopy(src: TypedArray, dtype: DType): TypedArray {
  const out = hostArray(dtype, src.length);
  copyHost(src, out);
  return out;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  const data = allocStorage(resolveDType(opts, 'full'), sizeOf(checkShape(shape, 'full')), `full: a tensor of shape ${fmtShape(shape)}`);
  fillStorage(data, value);
  return finish(data, [...shape], opts, 'full');
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** The n×n identity (n×m when `m` is given). */
export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
  const data = hostArray(resolveDType(opts, 'eye'), sizeOf(checkShape([n, m], 'eye')), `eye: a tensor of shape ${fmtShape([n, m])}`);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(data, [n, m], opts, 'eye');
}

/**
 * start, start + step, … below end. Integers give int32, as in PyTorch.
 * @example kiln.arange(5)        // [0, 1, 2, 3, 4]
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const whole = [start, end, step].every(Number.isInteger);
  const data = hostArray(resolveDType(opts, 'arange', whole ? 'int32' : DEFAULT_DTYPE), n, `arange(${start}, ${end}, ${step})`);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(data, [n], opts, 'arange');
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const data = hostArray(resolveDType(opts, 'linspace'), steps, `linspace with ${steps} steps`);
  for (let i = 0; i < steps; i++) data[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  return finish(data, [steps], opts, 'linspace');
}

function randomFill(shape: readonly number[], opts: RandomOptions, op: string, draw: (g: Generator) => number): Tensor {
  const dtype = resolveDType(opts, op, DEFAULT_DTYPE, RANDOM_KEYS);
  if (!isFloat(dtype)) throw new DTypeError(`${op}: draws floats; got dtype ${dtype} (use randint for integers)`);
  const data = hostArray(dtype, sizeOf(checkShape(shape, op)), `${op}: a tensor of shape ${fmtShape(shape)}`);
  const g = opts.generator ?? defaultGenerator;
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return finish(data, [...shape], opts, op);
}

/** Uniform in [0, 1), from the seeded generator. */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill(shape, opts, 'rand', (g) => g.uniform());
}

/** Standard normal, from the seeded generator: `kiln.manualSeed(0); kiln.randn([2, 3])`. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill(shape, opts, 'randn', (g) => g.normal());
}

/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  const data = hostArray(resolveDType(opts, 'randint', 'int32', RANDOM_KEYS), sizeOf(checkShape(shape, 'randint')), `randint: a tensor of shape ${fmtShape(shape)}`);
  const g = opts.generator ?? defaultGenerator;
  for (let i = 0; i < data.length; i++) data[i] = g.int(low, high);
  return finish(data, [...shape], opts, 'randint');
}

const like = (t: Tensor, opts: CreateOptions): CreateOptions => ({ dtype: t.dtype, ...opts });
export const zerosLike = (t: Tensor, opts: CreateOptions = {}): Tensor => zeros(t.shape, like(t, opts));
export const onesLike = (t: Tensor, opts: CreateOptions = {}): Tensor => ones(t.shape, like(t, opts));
export const fullLike = (t: Tensor, value: number, opts: CreateOptions = {}): Tensor => full(t.shape, value, like(t, opts));
export const randLike = (t: Tensor, opts: RandomOptions = {}): Tensor => rand(t.shape, { ...like(t, opts), ...opts });
export const randnLike = (t: Tensor, opts: RandomOptions = {}): Tensor => randn(t.shape, { ...like(t, opts), ...opts });
export const randintLike = (t: Tensor, low: number, high: number, opts: RandomOptions = {}): Tensor => randint(low, high, t.shape, opts);
