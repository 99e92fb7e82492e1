import type { TypedArray } from '../../tensor/dtype.js';

export function permute(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
  const ndim = shape.length;
  const inStrides = new Array<number>(ndim);
  let s = 1;
  for (let i = ndim - 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]!; }
  const outShape = perm.map((p) => shape[p]!);
  const stepIn = perm.map((p) => inStrides[p]!); // input stride for each output dim
  const idx = new Array<number>(ndim).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x[src]!;
    for (let d = ndim - 1; d >= 0; d--) {
      idx[d]!++;
      src += stepIn[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= stepIn[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function gather(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++)
      for (let i = 0; i < inner; i++) {
        const q = (o * m + j) * inner + i;
        out[q] = x[(o * n + index[q]!) * inner + i]!;
      }
}

export function scatterAdd(dst: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, src: TypedArray): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++)
      for (let i = 0; i < inner; i++) {
        const q = (o * m + j) * inner + i;
        dst[(o * n + index[q]!) * inner + i] += src[q]!;
      }
}

export function indexSelect(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, out: TypedArray): void {
  const m = index.length;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++) {
      const from = (o * n + index[j]!) * inner;
      out.set(x.subarray(from, from + inner), (o * m + j) * inner);
    }
}

export function copyBlock(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray, outN: number, outStart: number): void {
  const len = n * inner;
  for (let o = 0; o < outer; o++) out.set(x.subarray(o * len, (o + 1) * len), (o * outN + outStart) * inner);
}

export function sliceBlock(x: TypedArray, outer: number, n: number, inner: number, start: number, len: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    const from = (o * n + start) * inner;
    out.set(x.subarray(from, from + len * inner), o * len * inner);
  }
}
