import { describe, expect, it } from 'vitest';
import { Generator } from '../../tensor/random.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './conv.js';
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
