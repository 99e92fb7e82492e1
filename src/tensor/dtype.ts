import { DTypeError, ValueError } from '../errors.js';

/** The element types a tensor can hold. Kiln has no bool dtype: comparisons give int32 0/1. */
export type DType = 'float32' | 'float64' | 'int32';

export type TypedArray = Float32Array | Float64Array | Int32Array;

/** The dtype used when none is given (PyTorch's default too). */
export const DEFAULT_DTYPE: DType = 'float32';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

/**
 * The largest tensor Kiln allocates, in elements: JavaScript's typed arrays stop at 2³² − 1
 * elements, and engines refuse far less where memory is short.
 */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/** Bytes as a person reads them: 4.0 GB. */
export function fmtBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes, u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return u === 0 ? `${v} bytes` : `${v.toPrecision(3)} ${units[u]}`;
}

/** Throws the ValueError of `allocate` when `n` elements of `dtype` cannot be allocated at all. */
export function checkAllocation(dtype: DType, n: number, what = 'a tensor'): void {
  if (!Number.isInteger(n) || n < 0) refuseAllocation(dtype, n, what, 'the size must be a whole number ≥ 0');
  if (n > MAX_ELEMENTS) refuseAllocation(dtype, n, what, `JavaScript's typed arrays hold at most ${MAX_ELEMENTS.toLocaleString('en-US')} elements`);
}

/** The ValueError for an allocation that cannot be made: what was asked for, its bytes, and why. */
export function refuseAllocation(dtype: DType, n: number, what: string, why: string): never {
  throw new ValueError(`cannot allocate ${what} of ${n.toLocaleString('en-US')} ${dtype} elements (${fmtBytes(n * BYTES_PER_ELEMENT[dtype])}): ${why}; use smaller sizes or fewer examples at a time`);
}

/**
 * A zeroed JavaScript typed array of `n` elements (tensors get theirs from their backend through
 * `allocStorage`). A size too large to allocate (beyond the typed arrays' limit, or refused by the
 * engine for lack of memory) is a ValueError that names what was asked for and the bytes it would
 * need, not a RangeError.
 */
export function allocate(dtype: DType, n: number, what = 'a tensor'): TypedArray {
  checkAllocation(dtype, n, what);
  return newTypedArray(dtype, n, what);
}

/** allocate without the size checks, for a size `checkAllocation` has passed (backends' alloc). */
export function newTypedArray(dtype: DType, n: number, what: string): TypedArray {
  try {
    switch (dtype) {
      case 'float32': return new Float32Array(n);
      case 'float64': return new Float64Array(n);
      case 'int32': return new Int32Array(n);
    }
  } catch (e) {
    if (e instanceof RangeError) refuseAllocation(dtype, n, what, `the JavaScript engine refused the memory (${e.message})`);
    throw e;
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** The dtype of a binary op's result: float64 > float32 > int32, as in PyTorch's promotion. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

/** The float dtype an op on `dtype` computes in (int32 inputs compute in the default float). */
export function floatTypeOf(dtype: DType): DType {
  return isFloat(dtype) ? dtype : DEFAULT_DTYPE;
}

export function checkDType(dtype: unknown, op: string): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(dtype)}; use one of ${DTYPES.join(', ')}`);
}
