import { describe, expect, it } from 'vitest';
import { Generator } from '../../tensor/random.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './conv.js';
import { binary, expand, mergeDims, where } from './elementwise.js';
import { matmul } from './matmul.js';

// The js kernels are blocked for speed; here they are checked against the plainest loops.

const gen = new Generator(9);
const rand = (n: number): Float64Array => Float64Array.from({ length: n }, () => gen.normal());

function naiveMatmul(a: Float64Array, aStride: number, b: Float64Array, bStride: number, batch: number, m: number, k: number, n: number, ta: boolean, tb: boolean): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[t * aStride + (ta ? p * m + i : i * k + p)]! * b[t * bStride + (tb ? j * k + p : p * n + j)]!;
        out[(t * m + i) * n + j] = s;
      }
  return out;
}

const expectAllClose = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1e-9 * Math.max(1, Math.abs(b[i]!))) expect.fail(`[${i}]: kernel=${a[i]} | naive=${b[i]}`);
};

describe('js matmul kernel', () => {
  const sizes = [1, 3, 4, 5, 17, 33, 130];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      it(`matches the naive loops (transA=${ta}, transB=${tb}) on odd sizes and broadcast batches`, () => {
        for (const m of sizes) for (const [k, n] of [[1, 7], [5, 3], [17, 33], [130, 600]] as const) {
          for (const [batch, aB, bB] of [[1, true, true], [3, true, true], [2, false, true], [2, true, false]] as const) {
            const a = rand((aB ? batch : 1) * m * k), b = rand((bB ? batch : 1) * k * n);
            const out = new Float64Array(batch * m * n).fill(NaN);
            const aStride = aB ? m * k : 0, bStride = bB ? k * n : 0;
            matmul(a, aStride, b, bStride, out, batch, m, k, n, ta, tb);
            expectAllClose(out, naiveMatmul(a, aStride, b, bStride, batch, m, k, n, ta, tb));
          }
        }
      });
    }
  }
});

describe('js matmul kernel on tiny products', () => {
  it('the direct loop for tiny products gives the blocked kernels\' float32 results bit for bit', () => {
    // C = op(A)·op(B) with n = 8 (512 multiply-adds: the direct loop) against the same product with
    // one more column of B (576: the blocked kernels); the shared columns must be identical.
    const m = 8, k = 8;
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = Float32Array.from(rand(m * k)), bWide = Float32Array.from(rand(k * 9));
        // B's first 8 columns, laid out [k, n] or, transposed, [n, k]
        const at = (p: number, j: number, n: number): number => (tb ? j * k + p : p * n + j);
        const wide = new Float32Array(k * 9), narrow = new Float32Array(k * 8);
        for (let p = 0; p < k; p++) for (let j = 0; j < 9; j++) { wide[at(p, j, 9)] = bWide[p * 9 + j]!; if (j < 8) narrow[at(p, j, 8)] = bWide[p * 9 + j]!; }
        const small = new Float32Array(m * 8), blocked = new Float32Array(m * 9);
        matmul(a, 0, narrow, 0, small, 1, m, k, 8, ta, tb);
        matmul(a, 0, wide, 0, blocked, 1, m, k, 9, ta, tb);
        for (let i = 0; i < m; i++) for (let j = 0; j < 8; j++) expect(small[i * 8 + j]).toBe(blocked[i * 9 + j]);
      }
    }
  });
});

describe('js conv kernels', () => {
  // The direct definition: out[n,f,oh,ow] = Σ x[n,c,oh·s−p+kh·d, ow·s−p+kw·d]·w[f,c,kh,kw].
  it('forward and both backward passes match the direct sums', () => {
    for (const [N, C, H, W, F, KH, KW, s, p, d] of [[2, 3, 7, 6, 4, 3, 2, 2, 1, 1], [1, 1, 5, 5, 1, 3, 3, 1, 0, 2], [3, 2, 4, 9, 3, 1, 4, 1, 2, 1]] as const) {
      const OH = Math.floor((H + 2 * p - d * (KH - 1) - 1) / s) + 1, OW = Math.floor((W + 2 * p - d * (KW - 1) - 1) / s) + 1;
      const g = { N, C, H, W, KH, KW, OH, OW, strideH: s, strideW: s, padH: p, padW: p, dilH: d, dilW: d };
      const x = rand(N * C * H * W), w = rand(F * C * KH * KW), dy = rand(N * F * OH * OW);
      const y = new Float64Array(N * F * OH * OW), dx = new Float64Array(x.length), dw = new Float64Array(w.length);
      const ey = new Float64Array(y.length), edx = new Float64Array(x.length), edw = new Float64Array(w.length);
      for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
        const o = ((n * F + f) * OH + oh) * OW + ow;
        for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
          const ih = oh * s - p + kh * d, iw = ow * s - p + kw * d;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
          const xi = ((n * C + c) * H + ih) * W + iw, wi = ((f * C + c) * KH + kh) * KW + kw;
          ey[o] += x[xi]! * w[wi]!;
          edx[xi] += dy[o]! * w[wi]!;
          edw[wi] += dy[o]! * x[xi]!;
        }
      }
      conv2d(x, w, null, y, F, g);
      conv2dBackwardInput(dy, w, dx, F, g);
      conv2dBackwardFilter(x, dy, dw, F, g);
      expectAllClose(y, ey);
      // with a bias: + bias[f] on every output of filter f
      const bias = Float64Array.from({ length: F }, (_, f) => f - 0.5), yb = new Float64Array(y.length);
      conv2d(x, w, bias, yb, F, g);
      expectAllClose(yb, ey.map((v, i) => v + bias[Math.floor(i / (OH * OW)) % F]!));
      expectAllClose(dx, edx);
      expectAllClose(dw, edw);
    }
  });
});

describe('js strided elementwise kernels', () => {
  /** Each flat index of `shape` → the element offset through `strides` (the plainest odometer). */
  const offsets = (shape: readonly number[], strides: readonly number[]): number[] => {
    const n = shape.reduce((p, d) => p * d, 1);
    return Array.from({ length: n }, (_, o) => {
      let at = 0;
      for (let d = shape.length - 1, rest = o; d >= 0; d--) { at += (rest % shape[d]!) * strides[d]!; rest = Math.floor(rest / shape[d]!); }
      return at;
    });
  };
  // Operand strides over out shapes: contiguous, broadcast (0) in the middle, at the end and
  // everywhere, size-1 dims, transposed (permuted) reads, and a zero-size dim.
  const cases: [number[], number[]][] = [
    [[2, 3, 4], [12, 4, 1]], [[2, 3, 4], [0, 0, 0]], [[2, 3, 4], [3, 1, 0]], [[4, 6, 5, 7], [0, 1, 0, 0]],
    [[2, 1, 3, 1, 5], [15, 0, 5, 0, 1]], [[3, 4], [1, 3]], [[2, 3, 4], [1, 2, 6]], [[5, 2, 3], [0, 3, 1]], [[2, 0, 3], [0, 3, 1]], [[], []],
  ];

  it('expand copies every element from its strided place, whatever dims merge', () => {
    for (const [shape, strides] of cases) {
      const x = rand(64);
      const out = new Float64Array(shape.reduce((p, d) => p * d, 1)).fill(NaN);
      expand(x, strides, out, shape);
      expectAllClose(out, offsets(shape, strides).map((at) => x[at]!));
    }
  });

  it('where and a broadcast binary read each operand at its own strides', () => {
    for (const [shape, strides] of cases) {
      const other = [...strides].reverse(); // a second layout over the same shape
      const others = offsets(shape, other);
      const n = shape.reduce((p, d) => p * d, 1);
      const cond = Float64Array.from({ length: 64 }, (_, i) => i % 3), a = rand(64), b = rand(256);
      const dense = shape.map((_, d) => shape.slice(d + 1).reduce((p, e) => p * e, 1));
      const out = new Float64Array(n).fill(NaN);
      where(cond, strides, a, dense, b, other, out, shape);
      const cAt = offsets(shape, strides), aAt = offsets(shape, dense);
      expectAllClose(out, cAt.map((at, i) => (cond[at] !== 0 ? a[aAt[i]!]! : b[others[i]!]!)));
      const sum = new Float64Array(n).fill(NaN);
      binary('sub', a, strides, b, other, sum, shape);
      expectAllClose(sum, cAt.map((at, i) => a[at]! - b[others[i]!]!));
    }
  });

  it('mergeDims joins dims every operand steps through as one', () => {
    expect(mergeDims([64, 6, 28, 28], [[0, 0, 0, 0]])).toEqual({ shape: [301056], strides: [[0]] });
    expect(mergeDims([64, 6, 28, 28], [[0, 1, 0, 0], [4704, 784, 28, 1]])).toEqual({ shape: [64, 6, 784], strides: [[0, 1, 0], [4704, 784, 1]] });
    expect(mergeDims([3, 1, 4], [[1, 0, 3]])).toEqual({ shape: [3, 4], strides: [[1, 3]] });
    expect(mergeDims([1, 1], [[0, 0]])).toEqual({ shape: [1], strides: [[0]] });
  });
});
