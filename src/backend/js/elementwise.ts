import { host } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';

// Numerically stable forms: sigmoid never overflows (e^x only for x < 0), softplus is
// max(x, 0) + log(1 + e^−|x|), which is exact at ±1000.
const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: Math.sign,
  sigmoid: (x) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  },
  tanh: Math.tanh,
  relu: (x) => (x > 0 ? x : 0),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  sin: Math.sin,
  cos: Math.cos,
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || b !== b ? (b !== b ? b : a) : b),
  minimum: (a, b) => (a <= b || b !== b ? (b !== b ? b : a) : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  reluGrad: (a, b) => (b > 0 ? a : 0),
  sigmoidGrad: (a, b) => a * (b * (1 - b)),
  tanhGrad: (a, b) => a * (1 - b * b),
};

export function unary(op: UnaryOp, x_: Storage, out_: Storage): void {
  const x = host(x_), out = host(out_);
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]!; return;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 || v !== v ? v : 0; } return; // NaN stays NaN, as in PyTorch
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!); return;
    default: {
      const f = UNARY[op];
      for (let i = 0; i < n; i++) out[i] = f(x[i]!);
    }
  }
}

export function isContiguous(strides: readonly number[], shape: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}

const isScalar = (strides: readonly number[]): boolean => strides.every((s) => s === 0);

export function binary(
  op: BinaryOp, a_: Storage, aStrides: readonly number[], b_: Storage, bStrides: readonly number[],
  out_: Storage, outShape: readonly number[],
): void {
  const a = host(a_), b = host(b_), out = host(out_);
  const n = out.length;
  const aFlat = isContiguous(aStrides, outShape);
  const bFlat = isContiguous(bStrides, outShape);
  if (aFlat && bFlat) {
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!; return;
      case 'sub': for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!; return;
      case 'mul': for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!; return;
      case 'div': for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!; return;
      case 'reluGrad': for (let i = 0; i < n; i++) out[i] = b[i]! > 0 ? a[i]! : 0; return;
      case 'sigmoidGrad': for (let i = 0; i < n; i++) { const v = b[i]!; out[i] = a[i]! * (v * (1 - v)); } return;
      case 'tanhGrad': for (let i = 0; i < n; i++) { const v = b[i]!; out[i] = a[i]! * (1 - v * v); } return;
      default: { const f = BINARY[op]; for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!); return; }
    }
  }
  if (aFlat && isScalar(bStrides)) {
    const s = b[0]!;
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = a[i]! + s; return;
      case 'sub': for (let i = 0; i < n; i++) out[i] = a[i]! - s; return;
      case 'mul': for (let i = 0; i < n; i++) out[i] = a[i]! * s; return;
      case 'div': for (let i = 0; i < n; i++) out[i] = a[i]! / s; return;
      default: { const f = BINARY[op]; for (let i = 0; i < n; i++) out[i] = f(a[i]!, s); return; }
    }
  }
  broadcastBinary(op, a, aStrides, b, bStrides, out, outShape);
}

/**
 * The general broadcast case: an odometer over all dims but the last, and for each row a tight
 * loop along the last dim (specialised for the common ops, with a scalar operand hoisted).
 */
function broadcastBinary(
  op: BinaryOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
  out: TypedArray, shape: readonly number[],
): void {
  const ndim = shape.length;
  const len = shape[ndim - 1]!;
  const sa = aStrides[ndim - 1]!, sb = bStrides[ndim - 1]!;
  const idx = new Array<number>(ndim).fill(0);
  const f = BINARY[op];
  let ia = 0, ib = 0;
  for (let o = 0; o < out.length; o += len) {
    if (sb === 0 && sa === 1) {
      const bv = b[ib]!;
      switch (op) {
        case 'add': for (let j = 0; j < len; j++) out[o + j] = a[ia + j]! + bv; break;
        case 'sub': for (let j = 0; j < len; j++) out[o + j] = a[ia + j]! - bv; break;
        case 'mul': for (let j = 0; j < len; j++) out[o + j] = a[ia + j]! * bv; break;
        case 'div': for (let j = 0; j < len; j++) out[o + j] = a[ia + j]! / bv; break;
        default: for (let j = 0; j < len; j++) out[o + j] = f(a[ia + j]!, bv);
      }
    } else if (sa === 1 && sb === 1) {
      switch (op) {
        case 'add': for (let j = 0; j < len; j++) out[o + j] = a[ia + j]! + b[ib + j]!; break;
        case 'sub': for (let j = 0; j < len; j++) out[o + j] = a[ia + j]! - b[ib + j]!; break;
        case 'mul': for (let j = 0; j < len; j++) out[o + j] = a[ia + j]! * b[ib + j]!; break;
        default: for (let j = 0; j < len; j++) out[o + j] = f(a[ia + j]!, b[ib + j]!);
      }
    } else {
      for (let j = 0; j < len; j++) out[o + j] = f(a[ia + j * sa]!, b[ib + j * sb]!);
    }
    // Advance the outer index (all dims but the last), carrying like an odometer.
    for (let d = ndim - 2; d >= 0; d--) {
      idx[d]!++;
      ia += aStrides[d]!;
      ib += bStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      ia -= aStrides[d]! * shape[d]!;
      ib -= bStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export function where(
  cond_: Storage, cStrides: readonly number[], a_: Storage, aStrides: readonly number[],
  b_: Storage, bStrides: readonly number[], out_: Storage, outShape: readonly number[],
): void {
  const cond = host(cond_), a = host(a_), b = host(b_), out = host(out_);
  // One odometer walk over outShape, with an offset into each of the three operands.
  const ndim = outShape.length;
  const idx = new Array<number>(ndim).fill(0);
  const n = out.length;
  for (let o = 0; o < n; o++) {
    let ic = 0, ia = 0, ib = 0;
    for (let d = 0; d < ndim; d++) { ic += idx[d]! * cStrides[d]!; ia += idx[d]! * aStrides[d]!; ib += idx[d]! * bStrides[d]!; }
    out[o] = cond[ic] !== 0 ? a[ia]! : b[ib]!;
    for (let d = ndim - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
}

/** A `where` whose condition is always true is a strided broadcast copy. */
export function expand(x: Storage, xStrides: readonly number[], out: Storage, outShape: readonly number[]): void {
  where(ALWAYS, outShape.map(() => 0), x, xStrides, x, xStrides, out, outShape);
}
const ALWAYS = new Int32Array([1]);

export function clamp(x_: Storage, lo: number, hi: number, out_: Storage): void {
  const x = host(x_), out = host(out_);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}
