import { describe, expect, it } from 'vitest';
import { Generator } from '../../tensor/random.js';
import type { Backend, Window2d } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { createWasmBackend, createWasmBackendAsync } from './index.js';
import { loadKernels } from './load.js';
import { WINDOW_FIELDS } from './window.js';

// Every wasm kernel against the js reference kernel, on random shapes with odd sizes, every
// transpose, broadcast batches, and the padding/stride/dilation combinations of convolution.

const wasm = createWasmBackend();
const gen = new Generator(4);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => gen.normal());

/**
 * float32 sums taken in another order differ by rounding that grows with the terms, not the
 * result: each entry may differ by 1e-5 of its scale (Σ|terms|, or the entry when none given).
 */
function expectNear(actual: Float32Array, expected: Float32Array, what: string, scale?: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(actual[i]) && Number.isNaN(expected[i])) continue;
    const s = Math.max(1, scale ? scale[i]! : Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= 1e-5 * s)) expect.fail(`${what}[${i}]: wasm=${actual[i]} | js=${expected[i]} (scale ${s})`);
  }
}

/** Σ|aᵢₚ·bₚⱼ| for each entry: the scale of a product's rounding error. */
function productScale(a: Float32Array, aS: number, b: Float32Array, bS: number, batch: number, m: number, k: number, n: number, ta: boolean, tb: boolean): Float32Array {
  const s = new Float32Array(batch * m * n);
  jsBackend.matmul(a.map(Math.abs), aS, b.map(Math.abs), bS, s, batch, m, k, n, ta, tb);
  return s;
}

describe.runIf(wasm)('wasm kernels match the js reference', () => {
  const w = wasm as Backend;
  it('is the SIMD backend', () => expect(w.name).toBe('wasm'));

  it('writes the window struct with the fields, in the order, the kernels read', () => {
    const loaded = loadKernels()!;
    expect(loaded.k.windowFields()).toBe(WINDOW_FIELDS.length);
  });

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`matmul transA=${transA} transB=${transB}: sizes 1, 3, 17, 33, 130, k past one cache slice, broadcast batches`, () => {
        for (const m of [1, 3, 17, 33, 130]) for (const [k, n] of [[1, 9], [3, 17], [33, 7], [130, 65], [200, 300], [600, 70]] as const) {
          for (const [batch, aB, bB] of [[1, true, true], [3, true, true], [2, false, true], [2, true, false]] as const) {
            const a = rand((aB ? batch : 1) * m * k), b = rand((bB ? batch : 1) * k * n);
            const aS = aB ? m * k : 0, bS = bB ? k * n : 0;
            const o1 = new Float32Array(batch * m * n), o2 = new Float32Array(batch * m * n);
            jsBackend.matmul(a, aS, b, bS, o1, batch, m, k, n, transA, transB);
            w.matmul(a, aS, b, bS, o2, batch, m, k, n, transA, transB);
            expectNear(o2, o1, `matmul ${batch}×[${m},${k}]·[${k},${n}]`, productScale(a, aS, b, bS, batch, m, k, n, transA, transB));
          }
        }
      });
    }
  }

  it('matmul of a VGG-sized x·Wᵀ (a 100 MB operand)', () => {
    for (const transB of [true, false]) {
      const m = 2, k = 25088, n = 1000;
      const a = rand(m * k), b = rand(k * n);
      const o1 = new Float32Array(m * n), o2 = new Float32Array(m * n);
      jsBackend.matmul(a, 0, b, 0, o1, 1, m, k, n, false, transB);
      w.matmul(a, 0, b, 0, o2, 1, m, k, n, false, transB);
      expectNear(o2, o1, `blocked matmul transB=${transB}`, productScale(a, 0, b, 0, 1, m, k, n, false, transB));
    }
  });

  it('compiles asynchronously too (what kiln.ready() uses on a page\'s main thread), with the same kernels', async () => {
    const asyncWasm = (await createWasmBackendAsync())!;
    expect(asyncWasm.name).toBe('wasm');
    const m = 70, k = 90, n = 50, a = rand(m * k), b = rand(k * n);
    const o1 = new Float32Array(m * n), o2 = new Float32Array(m * n);
    w.matmul(a, 0, b, 0, o1, 1, m, k, n, false, true);
    asyncWasm.matmul(a, 0, b, 0, o2, 1, m, k, n, false, true);
    expect(Array.from(o2)).toEqual(Array.from(o1));
  });

  it('leaves float64 and int32 to js, giving identical results', () => {
    const a = Float64Array.from(rand(40 * 50)), b = Float64Array.from(rand(50 * 60));
    const o1 = new Float64Array(40 * 60), o2 = new Float64Array(40 * 60);
    jsBackend.matmul(a, 0, b, 0, o1, 1, 40, 50, 60, false, false);
    w.matmul(a, 0, b, 0, o2, 1, 40, 50, 60, false, false);
    expect(Array.from(o2)).toEqual(Array.from(o1));
  });

  it('conv2d forward and both backward passes, over padding, stride, dilation and odd sizes', () => {
    type HW = number | [number, number]; // the same for height and width, or [height, width]
    const configs: [number, number, number, number, number, number, number, HW, HW | 'same', HW][] = [
      // N, C, H, W, F, KH, KW, stride, pad, dilation
      [2, 3, 7, 6, 4, 3, 2, 2, 1, 1], [1, 1, 5, 5, 1, 3, 3, 1, 0, 2], [3, 2, 9, 4, 3, 1, 4, 1, 2, 1],
      [2, 1, 28, 28, 6, 5, 5, 1, 2, 1], [1, 6, 14, 14, 16, 5, 5, 1, 0, 1], [2, 5, 17, 33, 7, 3, 3, 2, 1, 1],
      // more taps than one k slice (300 > 256), filter counts past a panel of 8 (9, 17), one output pixel
      [2, 12, 6, 7, 9, 5, 5, 1, 2, 1],
      [3, 2, 6, 5, 9, 3, 3, 1, 1, 1], [2, 3, 5, 7, 17, 2, 3, 1, 0, 1], [2, 2, 3, 3, 9, 3, 3, 1, 0, 1],
      // stride, padding and dilation differing between height and width
      [2, 3, 11, 13, 5, 3, 2, [1, 2], [2, 0], [1, 2]], [2, 2, 9, 8, 10, 2, 3, [3, 1], [0, 1], [2, 1]],
      // batches big enough to be split into chunks of examples (and partial filter gradients)
      [37, 3, 20, 19, 8, 5, 5, 1, 2, 1], [64, 6, 14, 14, 16, 5, 5, 1, 0, 1], [9, 4, 33, 31, 5, 3, 3, 2, 1, 2],
      // 'same' with even kernels: the extra pixel of padding at the bottom/right only (the window
      // struct's padding is the top/left's); a 2×2 kernel needs it with none at the top/left
      [2, 4, 9, 11, 6, 2, 4, 1, 'same', 1], [3, 3, 8, 8, 5, 2, 2, 1, 'same', 1], [2, 2, 10, 9, 4, 4, 3, 1, 'same', [1, 2]],
      // the direct kernels (stride 1, few filters: LeNet-5's first layer above, and the three
      // 'same' ones): an odd filter count with 1, 2 or 3 taps past the last 4 (25, 18, 15), a dilated width, a
      // batch split into chunks of examples
      [37, 1, 20, 19, 3, 5, 5, 1, 2, 1], [5, 2, 12, 11, 3, 3, 3, 1, 2, [1, 2]], [4, 1, 13, 17, 3, 3, 5, 1, 1, 1], [33, 1, 28, 28, 6, 5, 5, 1, 2, 1],
    ];
    const hw = (v: HW): [number, number] => (typeof v === 'number' ? [v, v] : v);
    for (const [N, C, H, W, F, KH, KW, s, p, d] of configs) {
      const [sh, sw] = hw(s), [dh, dw] = hw(d);
      const [ph, pw] = p === 'same' ? [Math.floor((dh * (KH - 1)) / 2), Math.floor((dw * (KW - 1)) / 2)] : hw(p);
      const OH = p === 'same' ? H : Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1, OW = p === 'same' ? W : Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
      const g: Window2d = { N, C, H, W, KH, KW, OH, OW, strideH: sh, strideW: sw, padH: ph, padW: pw, dilH: dh, dilW: dw };
      const [x0, wt0, dy0, bias0] = [rand(N * C * H * W), rand(F * C * KH * KW), rand(N * F * OH * OW), rand(F)];
      // A fused max pooling: 2×2 windows, stride 2 (1×1 on a one-pixel output), and js's pooled output
      // and argmax, for the pooled backward.
      const pk = Math.min(2, OH, OW), POH = Math.floor((OH - pk) / pk) + 1, POW = Math.floor((OW - pk) / pk) + 1;
      const pg: Window2d = { N, C: F, H: OH, W: OW, KH: pk, KW: pk, OH: POH, OW: POW, strideH: pk, strideW: pk, padH: 0, padW: 0, dilH: 1, dilW: 1 };
      const pooledLen = N * F * POH * POW, pooledY0 = new Float32Array(pooledLen), argmax0 = new Int32Array(pooledLen), dz0 = rand(pooledLen);
      jsBackend.conv2dReluMaxPool(x0, wt0, bias0, pooledY0, argmax0, F, g, pg);
      // Each pair runs twice on wasm: on JavaScript arrays (copied in) and on its own storages (in place).
      for (const inPlace of [false, true]) {
      const own = <T extends Float32Array | Int32Array>(a: T): T => {
        if (!inPlace) return a;
        const st = w.alloc(a instanceof Int32Array ? 'int32' : 'float32', a.length, 'test', true, true) as T;
        st.set(a);
        return st;
      };
      const [x, wt, dy, bias, dz, pooledY, argmax] = [own(x0), own(wt0), own(dy0), own(bias0), own(dz0), own(pooledY0), own(argmax0)];
      const absX = x0.map(Math.abs), absW = wt0.map(Math.abs), absDy = dy0.map(Math.abs);
      const pairs: [string, (b: Backend, out: Float32Array, abs?: boolean) => void, number][] = [
        ['forward', (b, o, abs) => b.conv2d(abs ? absX : x, abs ? absW : wt, null, o, F, g), N * F * OH * OW],
        ['forward with bias', (b, o, abs) => b.conv2d(abs ? absX : x, abs ? absW : wt, abs ? bias0.map(Math.abs) : bias, o, F, g), N * F * OH * OW],
        ['backward input', (b, o, abs) => b.conv2dBackwardInput(abs ? absDy : dy, abs ? absW : wt, o, F, g), x.length],
        ['backward filter', (b, o, abs) => b.conv2dBackwardFilter(abs ? absX : x, abs ? absDy : dy, o, F, g), wt.length],
        // all three gradients in one call ([dx, dw, db] end to end)
        ['backward, all at once', (b, o, abs) => {
          const dx = o.subarray(0, x.length), dw = o.subarray(x.length, x.length + wt.length), db = o.subarray(x.length + wt.length);
          b.conv2dBackward(abs ? absDy : dy, abs ? absX : x, abs ? absW : wt, dx, dw, db, F, g);
        }, x.length + wt.length + F],
        // the fused op: pooled values, then argmax (as floats: exact small integers); with abs, no
        // ReLU ever clips, so the plain conv's scale bounds it
        ['fused conv, ReLU and max pooling', (b, o, abs) => {
          const am = new Int32Array(pooledLen);
          b.conv2dReluMaxPool(abs ? absX : x, abs ? absW : wt, abs ? bias0.map(Math.abs) : bias, o.subarray(0, pooledLen), am, F, g, pg);
          o.set(am, pooledLen);
        }, 2 * pooledLen],
        // without argmax (inference: no gradient will be taken), the same pooled values
        ['fused conv, ReLU and max pooling without argmax', (b, o, abs) => {
          b.conv2dReluMaxPool(abs ? absX : x, abs ? absW : wt, abs ? bias0.map(Math.abs) : bias, o, null, F, g, pg);
        }, pooledLen],
        ['fused backward through max pooling and a ReLU', (b, o, abs) => {
          const dx = o.subarray(0, x.length), dw = o.subarray(x.length, x.length + wt.length), db = o.subarray(x.length + wt.length);
          if (abs) b.conv2dReluMaxPoolBackward(dz0.map(Math.abs), pooledY0.map(() => 1), argmax, absX, absW, dx, dw, db, F, g);
          else b.conv2dReluMaxPoolBackward(dz, pooledY, argmax, x, wt, dx, dw, db, F, g);
        }, x.length + wt.length + F],
      ];
      for (const [what, run, len] of pairs) {
        const o1 = new Float32Array(len), o2 = new Float32Array(len).fill(NaN), scale = new Float32Array(len);
        run(jsBackend, o1);
        run(w, o2);
        run(jsBackend, scale, true);
        expectNear(o2, o1, `conv ${what}${inPlace ? ' (in place)' : ''} [${N},${C},${H},${W}] f${KH}×${KW} s${s} p${p} d${d}`, scale);
      }
      }
    }
  });

  it('ReLU and its backward, on sizes around the SIMD width and the js cut-off, with NaN, ±0 and ±∞', () => {
    for (const n of [5, 4096, 4099, 50_001]) {
      const x = rand(n), g = rand(n);
      x.set([NaN, -0, 0, Infinity, -Infinity], 0);
      const o1 = new Float32Array(n), o2 = new Float32Array(n).fill(7);
      jsBackend.unary('relu', x, o1);
      w.unary('relu', x, o2);
      expect(Array.from(o2)).toEqual(Array.from(o1));
      expect(Array.from(o1.subarray(0, 5))).toEqual([NaN, 0, 0, Infinity, 0]);
      const s = [n];
      jsBackend.binary('reluGrad', g, [1], x, [1], o1, s);
      w.binary('reluGrad', g, [1], x, [1], o2, s);
      expect(Array.from(o2)).toEqual(Array.from(o1));
    }
  });

  it('max and average pooling, forward and backward, over kernel, stride, padding and odd sizes', () => {
    const configs = [
      [2, 3, 6, 6, 2, 2, 2, 0, 1], [1, 2, 7, 9, 3, 3, 2, 1, 1], [3, 1, 5, 5, 3, 2, 1, 1, 1], [1, 2, 9, 9, 3, 3, 1, 0, 2],
      // no padding or dilation and rows of ≥ 4 outputs: the SIMD path, with a scalar tail
      [2, 3, 28, 30, 2, 2, 2, 0, 1], [1, 2, 11, 13, 3, 3, 1, 0, 1], [2, 2, 13, 17, 3, 2, 3, 0, 1],
      // 2×2 windows with stride 2 (their own shuffle path), odd-sized, with ties and NaNs (odd index)
      [3, 2, 21, 19, 2, 2, 2, 0, 1],
    ] as const;
    for (const [c, [N, C, H, W, KH, KW, s, p, d]] of configs.entries()) {
      const OH = Math.floor((H + 2 * p - d * (KH - 1) - 1) / s) + 1, OW = Math.floor((W + 2 * p - d * (KW - 1) - 1) / s) + 1;
      const g: Window2d = { N, C, H, W, KH, KW, OH, OW, strideH: s, strideW: s, padH: p, padW: p, dilH: d, dilW: d };
      // Odd configs use coarse values, so windows hold ties (the first maximum must win) and NaNs.
      const x = c % 2 ? rand(N * C * H * W).map((v, i) => (i % 37 === 5 ? NaN : Math.round(v))) : rand(N * C * H * W);
      const dy = rand(N * C * OH * OW);
      const o1 = new Float32Array(dy.length), o2 = new Float32Array(dy.length), i1 = new Int32Array(dy.length), i2 = new Int32Array(dy.length);
      jsBackend.maxPool2d(x, o1, i1, g);
      w.maxPool2d(x, o2, i2, g);
      expect(Array.from(o2)).toEqual(Array.from(o1));
      expect(Array.from(i2)).toEqual(Array.from(i1));
      // Without argmax (inference): the same values, on both backends.
      const o3 = new Float32Array(dy.length).fill(-1), o4 = new Float32Array(dy.length).fill(-1);
      jsBackend.maxPool2d(x, o3, null, g);
      w.maxPool2d(x, o4, null, g);
      expect(Array.from(o3)).toEqual(Array.from(o1));
      expect(Array.from(o4)).toEqual(Array.from(o1));
      const d1 = new Float32Array(x.length), d2 = new Float32Array(x.length);
      jsBackend.maxPool2dBackward(dy, i1, d1);
      w.maxPool2dBackward(dy, i2, d2);
      expectNear(d2, d1, 'maxPool2d backward');
      if (d === 1) {
        const a1 = new Float32Array(dy.length), a2 = new Float32Array(dy.length).fill(NaN);
        jsBackend.avgPool2d(x, a1, g);
        w.avgPool2d(x, a2, g);
        expectNear(a2, a1, 'avgPool2d');
        const b1 = new Float32Array(x.length), b2 = new Float32Array(x.length).fill(NaN);
        jsBackend.avgPool2dBackward(dy, b1, g);
        w.avgPool2dBackward(dy, b2, g);
        expectNear(b2, b1, 'avgPool2d backward');
      }
    }
  });
});
