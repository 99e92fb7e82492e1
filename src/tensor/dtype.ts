import { DTypeError } from '../errors.js';

/** The element types a tensor can hold. Kiln has no bool dtype: comparisons give int32 0/1. */
export type DType = 'float32' | 'float64' | 'int32';

export type TypedArray = Float32Array | Float64Array | Int32Array;

/** The dtype used when none is given (PyTorch's default too). */
export const DEFAULT_DTYPE: DType = 'float32';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

export function allocate(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
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
