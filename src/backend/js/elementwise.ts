import { host } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';

// Numerically stable forms: sigmoid never overflows (e^x only for x < 0), softplus is
// max(x, 0) + log(1 + e^−|x|), which is exact at ±1000.
/** Each unary op on one value, as the kernel computes it (exported for the small dense layer, js/dense.ts). */
export const UNARY: Readonly<Record<UnaryOp, (x: number) => number>> = {
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
  relu: (x) => (x > 0 || x !== x ? x : 0), // NaN stays NaN, as in PyTorch
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  sin: Math.sin,
  cos: Math.cos,
};

/** Each binary op on one pair of values, as the kernel computes it. */
export const BINARY: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
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
 * The general broadcast case: each row (the merged last dim) in a tight loop, specialised for the
 * common ops, with a scalar operand hoisted.
 */
function broadcastBinary(
  op: BinaryOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
  out: TypedArray, outShape: readonly number[],
): void {
  const rows = new Rows(outShape, [aStrides, bStrides]);
  const { len, at } = rows;
  const sa = rows.step[0]!, sb = rows.step[1]!;
  const f = BINARY[op];
  for (let o = 0; o < out.length; o += len, rows.next()) {
    const ia = at[0]!, ib = at[1]!;
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
  }
}

/**
 * The shape and operand strides with neighbouring dims merged wherever every operand steps through
 * them as one (stride[d] = stride[d + 1]·shape[d + 1], 0 and 0 included) and size-1 dims dropped:
 * a scalar broadcast to [64, 6, 28, 28] is one run of 301,056, a bias [6, 1, 1] over it 384 runs
 * of 784. Kernels then walk the merged dims a row at a time (Rows).
 */
export function mergeDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((st, i) => outStrides[i]![last] === st[d]! * size)) {
      outShape[last]! *= size;
      strides.forEach((st, i) => { outStrides[i]![last] = st[d]!; });
      continue;
    }
    outShape.push(size);
    strides.forEach((st, i) => outStrides[i]!.push(st[d]!));
  }
  if (outShape.length === 0) { outShape.push(1); outStrides.forEach((st) => st.push(0)); }
  return { shape: outShape, strides: outStrides };
}

/**
 * The rows of a strided walk over `outShape` (its merged last dim, `len` long), one operand per
 * entry of `strides`: `at[i]` is operand i's offset at the current row's start and `step[i]` its
 * stride along the row; `next()` moves to the next row, carrying over the outer dims like an
 * odometer.
 */
class Rows {
  readonly len: number;
  readonly step: number[];
  readonly at: number[];
  private readonly shape: number[];
  private readonly strides: number[][];
  private readonly idx: number[];

  constructor(outShape: readonly number[], strides: readonly (readonly number[])[]) {
    const merged = mergeDims(outShape, strides);
    this.shape = merged.shape;
    this.strides = merged.strides;
    const last = this.shape.length - 1;
    this.len = this.shape[last]!;
    this.step = this.strides.map((st) => st[last]!);
    this.at = this.strides.map(() => 0);
    this.idx = this.shape.map(() => 0);
  }

  next(): void {
    const { shape, strides, idx, at } = this;
    for (let d = shape.length - 2; d >= 0; d--) {
      idx[d]!++;
      for (let i = 0; i < at.length; i++) at[i]! += strides[i]![d]!;
      if (idx[d]! < shape[d]!) return;
      for (let i = 0; i < at.length; i++) at[i]! -= strides[i]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** out = cond ? a : b elementwise, each operand read with its (broadcast) strides over outShape. */
export function where(
  cond_: Storage, cStrides: readonly number[], a_: Storage, aStrides: readonly number[],
  b_: Storage, bStrides: readonly number[], out_: Storage, outShape: readonly number[],
): void {
  const cond = host(cond_), a = host(a_), b = host(b_), out = host(out_);
  const rows = new Rows(outShape, [cStrides, aStrides, bStrides]);
  const { len, at } = rows;
  const lc = rows.step[0]!, la = rows.step[1]!, lb = rows.step[2]!;
  for (let o = 0; o < out.length; o += len, rows.next()) {
    const ic = at[0]!, ia = at[1]!, ib = at[2]!;
    for (let j = 0; j < len; j++) out[o + j] = cond[ic + j * lc] !== 0 ? a[ia + j * la]! : b[ib + j * lb]!;
  }
}

/**
 * Copies x, read with strides xStrides (0 along broadcast dims), into out: [outShape]. Runs along
 * the merged last dim are a fill (a broadcast value), a copy (contiguous) or a strided loop.
 */
export function expand(x_: Storage, xStrides: readonly number[], out_: Storage, outShape: readonly number[]): void {
  const x = host(x_), out = host(out_);
  const rows = new Rows(outShape, [xStrides]);
  const { len, at } = rows, step = rows.step[0]!;
  for (let o = 0; o < out.length; o += len, rows.next()) {
    const ix = at[0]!;
    if (step === 0) out.fill(x[ix]!, o, o + len);
    else if (step === 1) for (let j = 0; j < len; j++) out[o + j] = x[ix + j]!;
    else for (let j = 0; j < len; j++) out[o + j] = x[ix + j * step]!;
  }
}

export function clamp(x_: Storage, lo: number, hi: number, out_: Storage): void {
  const x = host(x_), out = host(out_);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}
