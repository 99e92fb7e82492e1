// Convolution for float32 NCHW data as im2col + gemm, one example at a time so the column buffer
// stays [C·KH·KW, OH·OW]. Geometry follows the js kernels (src/backend/js/conv.ts).
import { gemm } from './gemm';

/**
 * cols[(c·KH + kh)·KW + kw, oh·OW + ow] = x[c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw], 0 outside.
 * For each (kw) the in-bounds outputs form one run [owLo, owHi), found once, so the inner loop has
 * no bounds checks: zeros before and after it, and a straight copy inside it when the stride is 1.
 */
function im2col(x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, cols: usize): void {
  let at = cols;
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>(c * H * W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const off = kw * dw - pw; // iw = ow·sw + off
        const owLo = runStart(off, sw, OW), owHi = runEnd(off, sw, OW, W, owLo);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + kh * dh;
          if (ih < 0 || ih >= H) {
            memory.fill(at, 0, <usize>OW << 2);
            at += <usize>OW << 2;
            continue;
          }
          if (owLo > 0) memory.fill(at, 0, <usize>owLo << 2);
          const row = plane + (<usize>(ih * W + off) << 2);
          if (sw == 1) {
            memory.copy(at + (<usize>owLo << 2), row + (<usize>owLo << 2), <usize>(owHi - owLo) << 2);
          } else {
            for (let ow = owLo; ow < owHi; ow++) store<f32>(at + (<usize>ow << 2), load<f32>(row + (<usize>(ow * sw) << 2)));
          }
          if (owHi < OW) memory.fill(at + (<usize>owHi << 2), 0, <usize>(OW - owHi) << 2);
          at += <usize>OW << 2;
        }
      }
    }
  }
}

/**
 * The adjoint of im2col: dx[c, ih, iw] += every column entry read from there (dx pre-zeroed).
 * Its loops mirror im2col's on purpose, in-bounds runs included; with stride 1 a run is a SIMD add.
 */
function col2im(cols: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, dx: usize): void {
  let at = cols;
  for (let c = 0; c < C; c++) {
    const plane = dx + (<usize>(c * H * W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const off = kw * dw - pw;
        const owLo = runStart(off, sw, OW), owHi = runEnd(off, sw, OW, W, owLo);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + kh * dh;
          if (ih >= 0 && ih < H) {
            const row = plane + (<usize>(ih * W + off) << 2);
            if (sw == 1) addRun(row + (<usize>owLo << 2), at + (<usize>owLo << 2), owHi - owLo);
            else {
              for (let ow = owLo; ow < owHi; ow++) {
                const p = row + (<usize>(ow * sw) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(at + (<usize>ow << 2)));
              }
            }
          }
          at += <usize>OW << 2;
        }
      }
    }
  }
}

/** The first output column whose input column ow·sw + off is ≥ 0. */
// @ts-ignore: decorator
@inline
function runStart(off: i32, sw: i32, OW: i32): i32 {
  return min(OW, off >= 0 ? 0 : (-off + sw - 1) / sw);
}

/** One past the last output column whose input column ow·sw + off is < W (never before `lo`). */
// @ts-ignore: decorator
@inline
function runEnd(off: i32, sw: i32, OW: i32, W: i32, lo: i32): i32 {
  return max(lo, min(OW, W - off > 0 ? (W - off + sw - 1) / sw : 0));
}

/** dst[i] += v for n floats. */
// @ts-ignore: decorator
@inline
function addScalar(dst: usize, v: f32, n: i32): void {
  const s = f32x4.splat(v);
  const vec = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < vec; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), s));
  for (let i = n & ~3; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + v);
  }
}

/** dst[i] += src[i] for n floats. */
// @ts-ignore: decorator
@inline
function addRun(dst: usize, src: usize, n: i32): void {
  const vec = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < vec; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
  for (let i = n & ~3; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>i << 2)));
  }
}

/**
 * Every conv kernel takes one workspace, `work`: the column buffer [C·KH·KW, OH·OW], then (16-byte
 * aligned) gemm's packing scratch. One pointer, so a thread pool can hand each thread its own.
 */
// @ts-ignore: decorator
@inline
function colsEnd(work: usize, ckk: i32, plane: i32): usize {
  return (work + (<usize>(ckk * plane) << 2) + 15) & ~(<usize>15);
}

/** out[n]: [F, OH·OW] = w: [F, CKK] · im2col(x[n]) for every n, plus bias[f] on row f when `bias` ≠ 0. */
export function conv2dForward(x: usize, w: usize, out: usize, N: i32, C: i32, H: i32, W: i32, F: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, bias: usize, work: usize): void {
  const ckk = C * KH * KW, plane = OH * OW;
  const cols = work, scratch = colsEnd(work, ckk, plane);
  for (let n = 0; n < N; n++) {
    const o = out + (<usize>(n * F * plane) << 2);
    im2col(x + (<usize>(n * C * H * W) << 2), C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, cols);
    gemm(F, plane, ckk, w, ckk, 0, cols, plane, 0, o, plane, 0, scratch);
    if (bias) for (let f = 0; f < F; f++) addScalar(o + (<usize>(f * plane) << 2), load<f32>(bias + (<usize>f << 2)), plane);
  }
}

/** dx[n] = col2im(wᵀ · dy[n]) for every n (dx is zeroed here). */
export function conv2dBackwardInput(dy: usize, w: usize, dx: usize, N: i32, C: i32, H: i32, W: i32, F: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, work: usize): void {
  const ckk = C * KH * KW, plane = OH * OW;
  const cols = work, scratch = colsEnd(work, ckk, plane);
  memory.fill(dx, 0, <usize>(N * C * H * W) << 2);
  for (let n = 0; n < N; n++) {
    gemm(ckk, plane, F, w, ckk, 1, dy + (<usize>(n * F * plane) << 2), plane, 0, cols, plane, 0, scratch);
    col2im(cols, C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, dx + (<usize>(n * C * H * W) << 2));
  }
}

/** dw = Σₙ dy[n] · im2col(x[n])ᵀ. */
export function conv2dBackwardFilter(x: usize, dy: usize, dw: usize, N: i32, C: i32, H: i32, W: i32, F: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, ddw: i32, work: usize): void {
  const ckk = C * KH * KW, plane = OH * OW;
  const cols = work, scratch = colsEnd(work, ckk, plane);
  for (let n = 0; n < N; n++) {
    im2col(x + (<usize>(n * C * H * W) << 2), C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, ddw, cols);
    gemm(F, ckk, plane, dy + (<usize>(n * F * plane) << 2), plane, 0, cols, plane, 1, dw, ckk, n > 0 ? 1 : 0, scratch);
  }
}
