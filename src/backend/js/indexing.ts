import { host, hostInt } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';

export function permute(x_: Storage, shape: readonly number[], perm: readonly number[], out_: Storage): void {
  const x = host(x_), out = host(out_);
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

export function gather(x_: Storage, outer: number, n: number, inner: number, index_: Storage, m: number, out_: Storage): void {
  const x = host(x_), index = hostInt(index_), out = host(out_);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++)
      for (let i = 0; i < inner; i++) {
        const q = (o * m + j) * inner + i;
        out[q] = x[(o * n + index[q]!) * inner + i]!;
      }
}

export function scatterAdd(dst_: Storage, outer: number, n: number, inner: number, index_: Storage, m: number, src_: Storage): void {
  const dst = host(dst_), index = hostInt(index_), src = host(src_);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++)
      for (let i = 0; i < inner; i++) {
        const q = (o * m + j) * inner + i;
        dst[(o * n + index[q]!) * inner + i] += src[q]!;
      }
}

export function indexSelect(x_: Storage, outer: number, n: number, inner: number, index_: Storage, out_: Storage): void {
  const x = host(x_), index = hostInt(index_), out = host(out_);
  const m = index.length;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++) {
      const from = (o * n + index[j]!) * inner;
      out.set(x.subarray(from, from + inner), (o * m + j) * inner);
    }
}

/** The adjoint of indexSelect: dst[:, index[j], :] += src[:, j, :] for dst: [outer, n, inner], src: [outer, m, inner]. */
export function indexAdd(dst_: Storage, outer: number, n: number, inner: number, index_: Storage, src_: Storage): void {
  const dst = host(dst_), index = hostInt(index_), src = host(src_);
  const m = index.length;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++) {
      const to = (o * n + index[j]!) * inner, from = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) dst[to + i]! += src[from + i]!;
    }
}

export function copyBlock(x_: Storage, outer: number, n: number, inner: number, out_: Storage, outN: number, outStart: number): void {
  const x = host(x_), out = host(out_);
  const len = n * inner;
  for (let o = 0; o < outer; o++) out.set(x.subarray(o * len, (o + 1) * len), (o * outN + outStart) * inner);
}

export function sliceBlock(x_: Storage, outer: number, n: number, inner: number, start: number, len: number, out_: Storage): void {
  const x = host(x_), out = host(out_);
  const run = len * inner;
  for (let o = 0; o < outer; o++) {
    const from = (o * n + start) * inner;
    // A short run (one example's row, as per-sample training takes) is copied by a loop: a
    // subarray to set() from is an object allocated per call.
    if (run < 64) for (let i = 0; i < run; i++) out[o * run + i] = x[from + i]!;
    else out.set(x.subarray(from, from + run), o * run);
  }
}
