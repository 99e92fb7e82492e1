import { host, hostInt } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';
import type { ReduceOp } from '../backend.js';

// x: [outer, n, inner] → out: [outer, inner]. Sums accumulate in float64 (JS numbers).
export function reduce(op: ReduceOp, x_: Storage, outer: number, n: number, inner: number, out_: Storage): void {
  const x = host(x_), out = host(out_);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
      let p = base + i;
      if (op === 'sum') for (let j = 0; j < n; j++, p += inner) acc += x[p]!;
      else if (op === 'max') for (let j = 0; j < n; j++, p += inner) { const v = x[p]!; if (v > acc || v !== v) acc = v; }
      else for (let j = 0; j < n; j++, p += inner) { const v = x[p]!; if (v < acc || v !== v) acc = v; }
      out[o * inner + i] = acc;
    }
  }
}

export function argReduce(op: 'max' | 'min', x_: Storage, outer: number, n: number, inner: number, out_: Storage): void {
  const x = host(x_), out = hostInt(out_);
  const better = op === 'max' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i]!;
      let arg = 0;
      for (let j = 1; j < n; j++) {
        const v = x[base + j * inner + i]!;
        if (best !== best) break; // NaN wins, as in PyTorch
        if (better(v, best) || v !== v) { best = v; arg = j; }
      }
      out[o * inner + i] = arg;
    }
  }
}

// Softmax along the middle axis, stabilised by subtracting the max (log-sum-exp).
export function softmax(x_: Storage, outer: number, n: number, inner: number, log: boolean, out_: Storage): void {
  const x = host(x_), out = host(out_);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) { const v = x[base + j * inner + i]!; if (v > max) max = v; }
      if (max === -Infinity) max = 0;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x[base + j * inner + i]! - max);
      if (log) {
        const lse = max + Math.log(sum);
        for (let j = 0; j < n; j++) out[base + j * inner + i] = x[base + j * inner + i]! - lse;
      } else {
        for (let j = 0; j < n; j++) out[base + j * inner + i] = Math.exp(x[base + j * inner + i]! - max) / sum;
      }
    }
  }
}
