// Convolution for float32 NCHW data. Geometry follows the js kernels (src/backend/js/conv.ts).
//
// Forward and filter gradient are implicit GEMMs: a 4×8 micro-kernel whose A operand is gathered
// straight from a zero-padded copy of one example's input through two offset tables (four rows
// from four addresses, so one splat load each, not gemm's one vector for four rows) — one entry
// per output pixel (its window's corner) and one per filter tap (c, kh, kw) — so no column buffer
// is built, copied or packed, and any stride or dilation costs nothing extra:
//   forward:        out[f, j] = Σ_tap  x[pixel j + tap] · w[f, tap]   rows = 4 pixels, k = taps
//   filter grad:   dw[f, tap] = Σ_j    x[tap + pixel j] · dy[f, j]    rows = 4 taps,   k = pixels
// The B operand (weights, or dyᵀ) is packed once into panels of 8 filters (as gemm packs its B, in panels of 12).
// The input gradient is a gemm (wᵀ · dy) into a column buffer, then col2im.
// Stride-1 convs with few filters (a first layer) take the direct kernels of conv-direct.ts
// instead, for the forward and the filter gradient, where they do fewer multiply-adds.
import { directConvAt, directConvPays, directFilterGrad, directForward, directPrepare, directWorkBytes } from './conv-direct';
import { gemmPackA, gemmPrepacked, gemmScratchBytes, madd, packedABytes, transpose4 } from './gemm';
import { maxPool2dInside } from './pool';
import { Win, win } from './window';

/**
 * The adjoint of im2col (cols[(c·KH + kh)·KW + kw, oh·OW + ow] = x[c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw]):
 * dx[c, ih, iw] += every column entry read from there (dx pre-zeroed). For each (kw) the in-bounds
 * outputs form one run [owLo, owHi), found once, so the inner loop has no bounds checks; with
 * stride 1 a run is a SIMD add.
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

/**
 * col2im for stride 1 and dilation 1 (most convs): each row of dx, 16 columns at a time, is summed
 * in registers from the column rows that reach it, then stored once. Column row (c, kh, kw) at
 * output row oh = ih + ph − kh holds dx's columns iw = ow + kw − pw for ow in [0, OW): read shifted
 * by kw, with the lanes outside that range masked off (by bits, so whatever they read never enters
 * the sum). Every element of dx is written, so nothing is zeroed first. The general col2im adds
 * runs of OW floats into dx one by one, and LeNet-5's second conv spent more on the runs'
 * overhead than on their adds (10-float runs).
 */
function col2imUnitStride(cols: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32, ph: i32, pw: i32, dx: usize, tmp: usize): void {
  const P = OH * OW, zero = f32x4.splat(0), lanes = i32x4(0, 1, 2, 3), limit = i32x4.splat(OW);
  for (let c = 0; c < C; c++) {
    for (let ih = 0; ih < H; ih++) {
      // The kh whose output row oh = ih + ph − kh is in [0, OH).
      const khLo = max(0, ih + ph - OH + 1), khHi = min(KH, ih + ph + 1);
      const row = dx + (<usize>((c * H + ih) * W) << 2);
      for (let iw0 = 0; iw0 < W; iw0 += 16) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        for (let kw = 0; kw < KW; kw++) {
          // ow of each lane: iw + pw − kw; kept where 0 ≤ ow < OW.
          const o0 = i32x4.add(lanes, i32x4.splat(iw0 + pw - kw)), o1 = i32x4.add(o0, i32x4.splat(4)), o2 = i32x4.add(o0, i32x4.splat(8)), o3 = i32x4.add(o0, i32x4.splat(12));
          const m0 = v128.and(i32x4.ge_s(o0, zero), i32x4.lt_s(o0, limit)), m1 = v128.and(i32x4.ge_s(o1, zero), i32x4.lt_s(o1, limit));
          const m2 = v128.and(i32x4.ge_s(o2, zero), i32x4.lt_s(o2, limit)), m3 = v128.and(i32x4.ge_s(o3, zero), i32x4.lt_s(o3, limit));
          for (let kh = khLo; kh < khHi; kh++) {
            // cols[(c·KH + kh)·KW + kw][oh·OW + iw0 + pw − kw]: may point a little outside the row (masked).
            const at = cols + (<usize>((((c * KH + kh) * KW + kw) * P) + (ih + ph - kh) * OW + iw0 + pw - kw) << 2);
            a0 = f32x4.add(a0, v128.and(v128.load(at), m0));
            a1 = f32x4.add(a1, v128.and(v128.load(at, 16), m1));
            a2 = f32x4.add(a2, v128.and(v128.load(at, 32), m2));
            a3 = f32x4.add(a3, v128.and(v128.load(at, 48), m3));
          }
        }
        storeRowPart(row + (<usize>iw0 << 2), W - iw0, a0, a1, a2, a3, tmp);
      }
    }
  }
}

/**
 * The first `count` floats of the 16 in v0…v3, at `at`: whole vectors where they fit, else through
 * `tmp` (64 bytes of the calling thread's workspace: the threads share the memory, so no static buffer).
 */
// @ts-ignore: decorator
@inline
function storeRowPart(at: usize, count: i32, v0: v128, v1: v128, v2: v128, v3: v128, tmp: usize): void {
  if (count >= 16) {
    v128.store(at, v0); v128.store(at, v1, 16); v128.store(at, v2, 32); v128.store(at, v3, 48);
    return;
  }
  v128.store(tmp, v0); v128.store(tmp, v1, 16); v128.store(tmp, v2, 32); v128.store(tmp, v3, 48);
  memory.copy(at, tmp, <usize>count << 2);
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
 * Rows (or columns) of the zero-padded input: the input with `pad` before and after it, and more
 * after when the windows reach further — 'same' padding for an even kernel puts its extra pixel at
 * the bottom/right, beyond the symmetric `pad` the window struct holds.
 */
// @ts-ignore: decorator
@inline
function paddedSize(n: i32, pad: i32, out: i32, stride: i32, dilation: i32, kernel: i32): i32 {
  return max(n + 2 * pad, (out - 1) * stride + (kernel - 1) * dilation + 1);
}

/** n rounded up to a multiple of 16 bytes. */
// @ts-ignore: decorator
@inline
function align16(n: usize): usize {
  return (n + 15) & ~(<usize>15);
}

/** Taps (forward) or pixels (filter gradient) per k slice: a panel slice of KC × 8 floats is 8 KB. */
const KC = 256;
/** Output pixels per block in the forward pass. */
const PB = 64;

/**
 * Every conv kernel takes one workspace, `work` (one pointer, so a thread pool can hand each
 * thread its own), of convWorkBytes. Implicit GEMM lays it out as: the padded input [C, Hp, Wp],
 * pixel offsets (i32 [P]), tap offsets (i32 [K]), the packed B panels (⌈F/8⌉ × [max(K, P)][8]),
 * the bias panels (⌈F/8⌉ × 8), a 4×8 tile (128 bytes) and, when the forward pools
 * its output (`pooled`), one example's conv output [F, P]. The input gradient uses it as the column buffer [K, P], wᵀ packed, then gemm's scratch.
 */
export function convWorkBytes(F: i32, g: usize, pooled: i32): i32 {
  const C = win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const ph = win(g, Win.PH), pw = win(g, Win.PW);
  const Hp = paddedSize(H, ph, OH, win(g, Win.SH), win(g, Win.DH), KH), Wp = paddedSize(W, pw, OW, win(g, Win.SW), win(g, Win.DW), KW);
  const K = C * KH * KW, P = OH * OW;
  const implicit = align16(<usize>(C * Hp * Wp) << 2) + align16(<usize>P << 2) + align16(<usize>K << 2)
    + (<usize>(((F + 7) >> 3) * (max(K, P) + 1)) << 5) + 128 + (pooled ? <usize>(F * P) << 2 : 0);
  // (col2imUnitStride uses 64 bytes of gemm's scratch once gemm is done with it)
  const columns = align16(<usize>(K * P) << 2) + align16(<usize>packedABytes(K, F)) + <usize>max(gemmScratchBytes(K, P, F), 64);
  const direct = directConvPays(F, OH, OW, Wp, win(g, Win.SH), win(g, Win.SW)) ? directWorkBytes(F, C, Hp, Wp, KH, KW, OH, OW, win(g, Win.DW), pooled != 0) : 0;
  return <i32>max(max(implicit, columns), direct);
}

// Where each part of the implicit-GEMM workspace starts, set by `layout`. Globals, not an object:
// these kernels run with no allocator (the memory past HEAP_START is the host's), and each thread
// has its own module instance, hence its own globals.
let xpAt: usize = 0, pixOffAt: usize = 0, tapOffAt: usize = 0, panelsAt: usize = 0, biasAt: usize = 0, tileAt: usize = 0, convAt: usize = 0;

function layout(work: usize, C: i32, Hp: i32, Wp: i32, K: i32, P: i32, F: i32): void {
  xpAt = work;
  pixOffAt = xpAt + align16(<usize>(C * Hp * Wp) << 2);
  tapOffAt = pixOffAt + align16(<usize>P << 2);
  panelsAt = tapOffAt + align16(<usize>K << 2);
  biasAt = panelsAt + (<usize>(((F + 7) >> 3) * max(K, P)) << 5);
  tileAt = biasAt + (<usize>((F + 7) >> 3) << 5);
  convAt = tileAt + 128;
}

/**
 * Byte offsets into the padded input [C, Hp, Wp]: pixOff[oh·OW + ow] = (oh·sh·Wp + ow·sw)·4 and
 * tapOff[(c·KH + kh)·KW + kw] = ((c·Hp + kh·dh)·Wp + kw·dw)·4; pixel + tap is the element read.
 */
function fillOffsets(C: i32, Hp: i32, Wp: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, dh: i32, dw: i32): void {
  let at = pixOffAt;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) { store<i32>(at, (oh * sh * Wp + ow * sw) << 2); at += 4; }
  }
  at = tapOffAt;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) { store<i32>(at, ((c * Hp + kh * dh) * Wp + kw * dw) << 2); at += 4; }
    }
  }
}

/** One example's input [C, H, W], zero-padded into xp [C, Hp, Wp] (ph rows above, pw columns left); returns where it now is. */
function padInput(x: usize, C: i32, H: i32, W: i32, ph: i32, pw: i32, Hp: i32, Wp: i32, xp: usize): usize {
  if (Hp == H && Wp == W) return x;
  memory.fill(xp, 0, <usize>(C * Hp * Wp) << 2);
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      memory.copy(xp + (<usize>((c * Hp + h + ph) * Wp + pw) << 2), x + (<usize>((c * H + h) * W) << 2), <usize>W << 2);
    }
  }
  return xp;
}

/**
 * The micro-kernel: tile[r][t] = init[t] + Σ_q A(r, q) · B[q][t] for 4 rows r and 8 columns t, where
 * A(r, q) is the float at rows[r] + offs[q] (bytes) and B is a packed panel [kc][8]. The tile is
 * stored as 4 rows of 8 floats. `init` (8 floats) is the bias panel, or 0 for none.
 * Not inlined, walking offs and the panel by advancing pointers: in a function of its own V8 keeps
 * the loop's integers in registers (inlined into the loop nests that call it, it reloaded spilled
 * ones from the stack every step), as gemm's microKernel.
 */
function tile(r0: usize, r1: usize, r2: usize, r3: usize, offs: usize, kc: i32, bp: usize, init: usize, out: usize): void {
  const lo = init ? v128.load(init) : f32x4.splat(0), hi = init ? v128.load(init + 16) : f32x4.splat(0);
  let c00 = lo, c01 = hi, c10 = lo, c11 = hi, c20 = lo, c21 = hi, c30 = lo, c31 = hi;
  const end = offs + (<usize>kc << 2);
  while (offs < end) {
    const o = <usize>load<i32>(offs);
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a0 = v128.load32_splat(r0 + o);
    const a1 = v128.load32_splat(r1 + o);
    const a2 = v128.load32_splat(r2 + o);
    const a3 = v128.load32_splat(r3 + o);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
    c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
    offs += 4;
    bp += 32;
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(out, c10, 32); v128.store(out, c11, 48);
  v128.store(out, c20, 64); v128.store(out, c21, 80);
  v128.store(out, c30, 96); v128.store(out, c31, 112);
}

/**
 * Writes a tile [4 rows][8 columns] transposed into dst[(t0 + t)·ld + r0 + r] for the rows below
 * `rows` and the columns below `cols`: column t of the tile is 4 consecutive floats of row t0 + t.
 * With `accumulate` it adds to what is there; with `relu` it stores max(·, 0) of the result.
 * Full-height tiles are transposed in registers and stored a column (one vector) at a time: a conv
 * with few taps (LeNet's first has 25) spends as much time here as in its multiply-adds, so
 * nothing goes back through memory.
 */
function storeTransposed(tileBuf: usize, dst: usize, ld: i32, r0: i32, t0: i32, rows: i32, cols: i32, accumulate: bool, relu: bool): void {
  const base = dst + (<usize>(t0 * ld + r0) << 2), stride = <usize>ld << 2;
  if (rows >= 4) {
    storeColumns(tileBuf, base, stride, min(cols, 4), accumulate, relu);
    if (cols > 4) storeColumns(tileBuf + 16, base + 4 * stride, stride, min(cols - 4, 4), accumulate, relu);
    return;
  }
  for (let t = 0; t < min(cols, 8); t++) {
    for (let r = 0; r < min(rows, 4); r++) {
      const at = base + <usize>t * stride + (<usize>r << 2);
      let v = load<f32>(tileBuf + (<usize>(r * 8 + t) << 2));
      if (accumulate) v += load<f32>(at);
      store<f32>(at, relu ? max(v, 0) : v);
    }
  }
}

/**
 * Columns 0…count−1 (count ≤ 4) of a 4×4 block of the tile (rows 32 bytes apart from `block`),
 * each stored (or added) as one vector at at + c·stride.
 */
// @ts-ignore: decorator
@inline
function storeColumns(block: usize, at: usize, stride: usize, count: i32, accumulate: bool, relu: bool): void {
  const r0 = v128.load(block), r1 = v128.load(block, 32), r2 = v128.load(block, 64), r3 = v128.load(block, 96);
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
  const t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  storeColumn(at, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5), accumulate, relu);
  if (count > 1) storeColumn(at + stride, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7), accumulate, relu);
  if (count > 2) storeColumn(at + 2 * stride, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5), accumulate, relu);
  if (count > 3) storeColumn(at + 3 * stride, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7), accumulate, relu);
}

/** Stores v (added to what is at `at` when accumulating, then max(·, 0) with relu) at `at`. */
// @ts-ignore: decorator
@inline
function storeColumn(at: usize, v: v128, accumulate: bool, relu: bool): void {
  if (accumulate) v = f32x4.add(v128.load(at), v);
  v128.store(at, relu ? f32x4.max(v, f32x4.splat(0)) : v);
}

/** The 4 row addresses of a tile: base + offs[i0 + r], the last row repeated past `count` (computed, never stored). */
// @ts-ignore: decorator
@inline
function rowAddress(base: usize, offs: usize, i: i32, count: i32): usize {
  return base + <usize>load<i32>(offs + (<usize>min(i, count - 1) << 2));
}

/**
 * out[n]: [F, OH·OW] = w: [F, K] · im2col(x[n]) for every n, plus bias[f] on row f when `bias` ≠ 0,
 * then max(·, 0) when `relu` ≠ 0 (applied as the last k slice is stored). With `pool` ≠ 0 each
 * example's result is max-pooled (pKH × pKW windows, stride psh × psw, no padding, POH × POW
 * outputs) into out[n]: [F, POH·POW], and argmax[n] (unless argmax is 0: no gradient will be
 * taken) indexes the example's [F, OH·OW] result.
 */
export function conv2dForward(x: usize, w: usize, out: usize, N: i32, F: i32, g: usize, bias: usize, relu: i32, pool: usize, argmax: usize, work: usize): void {
  const C = win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const sh = win(g, Win.SH), sw = win(g, Win.SW), ph = win(g, Win.PH), pw = win(g, Win.PW), dh = win(g, Win.DH), dw = win(g, Win.DW);
  // The pooling window over the conv output.
  const pKH = pool ? win(pool, Win.KH) : 0, pKW = pool ? win(pool, Win.KW) : 0, psh = pool ? win(pool, Win.SH) : 0, psw = pool ? win(pool, Win.SW) : 0;
  const POH = pool ? win(pool, Win.OH) : 0, POW = pool ? win(pool, Win.OW) : 0;
  const K = C * KH * KW, P = OH * OW, Hp = paddedSize(H, ph, OH, sh, dh, KH), Wp = paddedSize(W, pw, OW, sw, dw, KW), panels = (F + 7) >> 3;
  const pooled = F * POH * POW;
  if (directConvPays(F, OH, OW, Wp, sh, sw)) {
    directPrepare(w, bias, F, g, Hp, Wp, work);
    for (let n = 0; n < N; n++) {
      const o = pool ? directConvAt : out + (<usize>(n * F * P) << 2);
      directForward(x + (<usize>(n * C * H * W) << 2), relu != 0, F, g, Hp, Wp, o);
      if (pool) maxPool2dInside(directConvAt, out + (<usize>(n * pooled) << 2), argmax ? argmax + (<usize>(n * pooled) << 2) : 0, F, OH, OW, pKH, pKW, POH, POW, psh, psw);
    }
    return;
  }
  layout(work, C, Hp, Wp, K, P, F);
  fillOffsets(C, Hp, Wp, KH, KW, OH, OW, sh, sw, dh, dw);
  // Weights packed as B: panel fp is [K][8] with w[fp·8 + t, q] at [q][t] (zero past F); the bias
  // likewise, 8 floats a panel.
  const biasPanels = biasAt;
  for (let fp = 0; fp < panels; fp++) {
    const panel = panelsAt + (<usize>(fp * K) << 5);
    for (let t = 0; t < 8; t++) {
      const f = fp * 8 + t;
      for (let q = 0; q < K; q++) store<f32>(panel + (<usize>(q * 8 + t) << 2), f < F ? load<f32>(w + (<usize>(f * K + q) << 2)) : 0);
      if (bias) store<f32>(biasPanels + (<usize>(fp * 8 + t) << 2), f < F ? load<f32>(bias + (<usize>f << 2)) : 0);
    }
  }
  for (let n = 0; n < N; n++) {
    const src = padInput(x + (<usize>(n * C * H * W) << 2), C, H, W, ph, pw, Hp, Wp, xpAt);
    const o = pool ? convAt : out + (<usize>(n * F * P) << 2);
    // Slices of KC taps (one weight panel slice, 8 KB, stays in L1) and blocks of PB pixels (their
    // input stays in L1 across every filter panel); later slices add to the first's result.
    for (let q0 = 0; q0 < K; q0 += KC) {
      const kc = min(KC, K - q0);
      for (let j1 = 0; j1 < P; j1 += PB) {
        const jEnd = min(P, j1 + PB);
        for (let fp = 0; fp < panels; fp++) {
          const bp = panelsAt + (<usize>(fp * K + q0) << 5), init = bias && q0 == 0 ? biasPanels + (<usize>fp << 5) : 0;
          for (let j0 = j1; j0 < jEnd; j0 += 4) {
            tile(rowAddress(src, pixOffAt, j0, P), rowAddress(src, pixOffAt, j0 + 1, P), rowAddress(src, pixOffAt, j0 + 2, P), rowAddress(src, pixOffAt, j0 + 3, P), tapOffAt + (<usize>q0 << 2), kc, bp, init, tileAt);
            storeTransposed(tileAt, o, P, j0, fp * 8, P - j0, F - fp * 8, q0 > 0, relu != 0 && q0 + kc == K);
          }
        }
      }
    }
    if (pool) maxPool2dInside(convAt, out + (<usize>(n * pooled) << 2), argmax ? argmax + (<usize>(n * pooled) << 2) : 0, F, OH, OW, pKH, pKW, POH, POW, psh, psw);
  }
}

/**
 * The backward of a pooled conv2dForward, first step: dy: [N, F, OH·OW] (zeroed here) receives each
 * pooled gradient dz[n, o] at argmax[n, o] of its example, or nothing where the pooled output y is
 * not > 0 (the ReLU's mask; y = 0: no ReLU). perOut = F·POH·POW, perY = F·OH·OW.
 */
function conv2dRoutePooled(dz: usize, y: usize, argmax: usize, dy: usize, N: i32, perOut: i32, perY: i32): void {
  memory.fill(dy, 0, <usize>(N * perY) << 2);
  for (let n = 0; n < N; n++) {
    const base = dy + (<usize>(n * perY) << 2);
    for (let o = n * perOut, end = o + perOut; o < end; o++) {
      const at = <usize>o << 2;
      if (y && !(load<f32>(y + at) > 0)) continue;
      const d = base + (<usize>load<i32>(argmax + at) << 2);
      store<f32>(d, load<f32>(d) + load<f32>(dz + at));
    }
  }
}

/** dx[n] = col2im(wᵀ · dy[n]) for every n (every element of dx written). */
function conv2dBackwardInput(dy: usize, w: usize, dx: usize, N: i32, F: i32, g: usize, work: usize): void {
  const C = win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const sh = win(g, Win.SH), sw = win(g, Win.SW), ph = win(g, Win.PH), pw = win(g, Win.PW), dh = win(g, Win.DH), dw = win(g, Win.DW);
  const K = C * KH * KW, P = OH * OW;
  // wᵀ packed once for every example's product.
  const cols = work, wt = align16(work + (<usize>(K * P) << 2)), scratch = wt + align16(<usize>packedABytes(K, F));
  gemmPackA(K, F, w, K, 1, wt, K, 0, 0);
  const unit = sh == 1 && sw == 1 && dh == 1 && dw == 1;
  if (!unit) memory.fill(dx, 0, <usize>(N * C * H * W) << 2);
  for (let n = 0; n < N; n++) {
    gemmPrepacked(K, P, F, wt, 0, 0, 1, dy + (<usize>(n * F * P) << 2), P, 0, 0, cols, P, 0, scratch);
    const dxn = dx + (<usize>(n * C * H * W) << 2);
    if (unit) col2imUnitStride(cols, C, H, W, KH, KW, OH, OW, ph, pw, dxn, scratch);
    else col2im(cols, C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, dxn);
  }
}

/** dw = Σₙ dy[n] · im2col(x[n])ᵀ: [F, K]. */
function conv2dBackwardFilter(x: usize, dy: usize, dw: usize, N: i32, F: i32, g: usize, work: usize): void {
  const C = win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const sh = win(g, Win.SH), sw = win(g, Win.SW), ph = win(g, Win.PH), pw = win(g, Win.PW), dh = win(g, Win.DH), ddw = win(g, Win.DW);
  const K = C * KH * KW, P = OH * OW, Hp = paddedSize(H, ph, OH, sh, dh, KH), Wp = paddedSize(W, pw, OW, sw, ddw, KW), panels = (F + 7) >> 3;
  if (directConvPays(F, OH, OW, Wp, sh, sw)) {
    directPrepare(0, 0, F, g, Hp, Wp, work);
    memory.fill(dw, 0, <usize>(F * K) << 2);
    for (let n = 0; n < N; n++) directFilterGrad(x + (<usize>(n * C * H * W) << 2), dy + (<usize>(n * F * P) << 2), dw, F, g, Hp, Wp);
    return;
  }
  layout(work, C, Hp, Wp, K, P, F);
  fillOffsets(C, Hp, Wp, KH, KW, OH, OW, sh, sw, dh, ddw);
  for (let n = 0; n < N; n++) {
    const src = padInput(x + (<usize>(n * C * H * W) << 2), C, H, W, ph, pw, Hp, Wp, xpAt);
    packRowsTransposed(dy + (<usize>(n * F * P) << 2), F, P, panelsAt);
    // Slices of KC pixels, so the slice of dyᵀ's panel (8 KB) stays in L1 across every tap tile.
    for (let q0 = 0; q0 < P; q0 += KC) {
      const kc = min(KC, P - q0);
      for (let fp = 0; fp < panels; fp++) {
        const bp = panelsAt + (<usize>(fp * P + q0) << 5);
        for (let t0 = 0; t0 < K; t0 += 4) {
          tile(rowAddress(src, tapOffAt, t0, K), rowAddress(src, tapOffAt, t0 + 1, K), rowAddress(src, tapOffAt, t0 + 2, K), rowAddress(src, tapOffAt, t0 + 3, K), pixOffAt + (<usize>q0 << 2), kc, bp, 0, tileAt);
          storeTransposed(tileAt, dw, K, t0, fp * 8, K - t0, F - fp * 8, n > 0 || q0 > 0, false);
        }
      }
    }
  }
}

/**
 * Packs the rows of m: [F, P] as B panels of 8 rows: panel fp is [P][8] with m[fp·8 + t, j] at
 * [j][t] (zero past F). Blocks of 4 rows × 4 columns move as a register transpose, rows past F
 * as zero vectors.
 */
function packRowsTransposed(m: usize, F: i32, P: i32, out: usize): void {
  const panels = (F + 7) >> 3, step = <usize>P << 2, zero = f32x4.splat(0);
  for (let fp = 0; fp < panels; fp++) {
    const panel = out + (<usize>(fp * P) << 5);
    for (let t0 = 0; t0 < 8; t0 += 4) {
      const f0 = fp * 8 + t0;
      let j = 0;
      if (f0 < F) {
        const row = m + (<usize>(f0 * P) << 2);
        const has1 = f0 + 1 < F, has2 = f0 + 2 < F, has3 = f0 + 3 < F;
        for (; j + 4 <= P; j += 4) {
          const at = row + (<usize>j << 2);
          transpose4(v128.load(at), has1 ? v128.load(at + step) : zero, has2 ? v128.load(at + 2 * step) : zero, has3 ? v128.load(at + 3 * step) : zero, panel + (<usize>j << 5) + (<usize>t0 << 2), 32);
        }
      }
      for (; j < P; j++) {
        for (let t = 0; t < 4; t++) {
          const f = f0 + t;
          store<f32>(panel + (<usize>(j * 8 + t0 + t) << 2), f < F ? load<f32>(m + (<usize>(f * P + j) << 2)) : 0);
        }
      }
    }
  }
}

/** db[f] = Σₙ Σⱼ dy[n, f, j] for dy: [N, F, P] (the conv bias's gradient). */
function conv2dBiasGrad(dy: usize, db: usize, N: i32, F: i32, P: i32): void {
  memory.fill(db, 0, <usize>F << 2);
  const vec = P & ~3;
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < F; f++) {
      const row = dy + (<usize>((n * F + f) * P) << 2);
      let acc = f32x4.splat(0);
      for (let j = 0; j < vec; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
      let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (let j = vec; j < P; j++) s += load<f32>(row + (<usize>j << 2));
      const at = db + (<usize>f << 2);
      store<f32>(at, load<f32>(at) + s);
    }
  }
}

/**
 * A conv's gradients for a run of examples, all in one task of the thread pool, so each example's
 * dy is used while still in cache and a backward pass is one round of the pool, not one per
 * gradient: db [F] (Σ dy), dx (as conv2dBackwardInput, in place) and dw [F, K] (as
 * conv2dBackwardFilter), each skipped where its pointer is 0. A batch is split into runs of
 * examples; each run's db and dw are its own partial sums, which the caller adds up in run order.
 * With argmax ≠ 0 the conv's output was max-pooled (the fused conv + ReLU + max pooling), and dy
 * ([N, F, OH·OW], scratch) is first routed from the pooled gradient dz as conv2dRoutePooled
 * describes (perOut = F·POH·POW; y the pooled output, 0: no ReLU).
 */
export function conv2dBackwardRun(dy: usize, dz: usize, y: usize, argmax: usize, perOut: i32, x: usize, w: usize, dx: usize, dw: usize, db: usize, N: i32, F: i32, g: usize, work: usize): void {
  const P = win(g, Win.OH) * win(g, Win.OW);
  if (argmax) conv2dRoutePooled(dz, y, argmax, dy, N, perOut, F * P);
  if (db) conv2dBiasGrad(dy, db, N, F, P);
  if (dx) conv2dBackwardInput(dy, w, dx, N, F, g, work);
  if (dw) conv2dBackwardFilter(x, dy, dw, N, F, g, work);
}
