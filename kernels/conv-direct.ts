// Direct convolution for stride-1 convs with few filters: a network's first layer (LeNet-5's 1 → 6,
// VGG's 3 → 64 at 224²), where implicit GEMM (conv.ts) pads the filters to its panels of 8 (6 → 8:
// a quarter of its multiply-adds wasted) and its short k (25 taps) leaves a tile as much storing as
// multiplying.
//
// Vectors run along output pixels instead. With stride 1, the pixels of an output row read
// consecutive input columns, so over the zero-padded input xp [C, Hp, Wp] a "virtual pixel"
// j = oh·Wp + ow (ow < Wp, the columns past OW computed and dropped) reads xp[j + tap] for every
// tap: rows run on into the next with no break, and 4 neighbouring virtual pixels are one vector
// load. The cost is the (Wp − OW) dropped columns per row, which `directConvPays` weighs against
// implicit GEMM's padded filters.
//   forward:      outv[f, j] = Σ_tap  w[f, tap] · xp[j + tap]     a tile: 2 filters × 16 pixels
//   filter grad:  dw[f, tap] = Σ_j    dyv[f, j] · xp[j + tap]    a tile: 2 filters × 4 taps
// dyv is dy spread onto the virtual pixels, zero at the dropped ones, so they add nothing.
// Each tile keeps 8 accumulators, what the FMA units' latency × throughput (4 cycles × 2) needs
// (tiles of 10, 2 × 20 pixels and 2 × 5 taps, ran 1.1× and 1.6× slower: V8 spilled registers).
import { madd } from './gemm';
import { Win, win } from './window';

/** Virtual pixels the forward tile covers (4 vectors). */
const TILE_PIXELS = 16;
/** Taps the filter-gradient tile covers. */
const TILE_TAPS = 4;

/** Floats read past the padded input by the last tiles (their dropped columns and rounding): zeroed slack. */
// @ts-ignore: decorator
@inline
function slack(KW: i32, dw: i32): i32 {
  return (KW - 1) * dw + TILE_PIXELS + 4;
}

/** Virtual pixels computed: OH·Wp, rounded up to whole forward tiles. */
// @ts-ignore: decorator
@inline
function virtualPixels(OH: i32, Wp: i32): i32 {
  return (OH * Wp + TILE_PIXELS - 1) / TILE_PIXELS * TILE_PIXELS;
}

/** n rounded up to a multiple of 16 bytes. */
// @ts-ignore: decorator
@inline
function align16(n: usize): usize {
  return (n + 15) & ~(<usize>15);
}

/**
 * Whether the direct kernels do fewer multiply-adds than implicit GEMM for this stride-1 conv:
 * filters in pairs over OH·Wp virtual pixels (Wp: the padded input's width), against filters in
 * eights over OH·OW pixels in fours. Only for stride 1.
 */
export function directConvPays(F: i32, OH: i32, OW: i32, Wp: i32, sh: i32, sw: i32): bool {
  if (sh != 1 || sw != 1) return false;
  const direct = <i64>((F + 1) & ~1) * virtualPixels(OH, Wp);
  const implicit = <i64>((F + 7) & ~7) * ((OH * OW + 3) & ~3);
  return direct < implicit;
}

/**
 * The direct kernels' workspace: the padded input with its slack, tap offsets (i32 [K]), the
 * weights in filter pairs ([⌈F/2⌉][K][2]), the bias in pairs, the virtual output or dyv
 * ([⌈F/2⌉·2][virtual pixels]) and, when the forward pools, one example's conv output [F, OH·OW].
 */
export function directWorkBytes(F: i32, C: i32, Hp: i32, Wp: i32, KH: i32, KW: i32, OH: i32, OW: i32, dw: i32, pooled: bool): usize {
  const K = C * KH * KW, F2 = (F + 1) & ~1;
  return align16(<usize>(C * Hp * Wp + slack(KW, dw)) << 2) + align16(<usize>K << 2) + align16(<usize>(F2 * K) << 2)
    + align16(<usize>F2 << 2) + (<usize>(F2 * virtualPixels(OH, Wp)) << 2) + (pooled ? <usize>(F * OH * OW) << 2 : 0);
}

// Where each part of the workspace starts, set by `directLayout` (globals: see conv.ts's layout).
let xpAt: usize = 0, tapAt: usize = 0, weightsAt: usize = 0, biasAt: usize = 0, virtualAt: usize = 0;
/** Where the forward leaves one example's conv output [F, OH·OW] for pooling. */
export let directConvAt: usize = 0;

function directLayout(work: usize, F: i32, C: i32, Hp: i32, Wp: i32, KH: i32, KW: i32, OH: i32, dw: i32): void {
  const K = C * KH * KW, F2 = (F + 1) & ~1;
  xpAt = work;
  tapAt = xpAt + align16(<usize>(C * Hp * Wp + slack(KW, dw)) << 2);
  weightsAt = tapAt + align16(<usize>K << 2);
  biasAt = weightsAt + align16(<usize>(F2 * K) << 2);
  virtualAt = biasAt + align16(<usize>F2 << 2);
  directConvAt = virtualAt + (<usize>(F2 * virtualPixels(OH, Wp)) << 2);
}

/** tap[(c·KH + kh)·KW + kw] = ((c·Hp + kh·dh)·Wp + kw·dw)·4: the byte offset of a tap from its virtual pixel. */
function fillTaps(C: i32, Hp: i32, Wp: i32, KH: i32, KW: i32, dh: i32, dw: i32): void {
  let at = tapAt;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) { store<i32>(at, ((c * Hp + kh * dh) * Wp + kw * dw) << 2); at += 4; }
    }
  }
}

/** One example's input [C, H, W] zero-padded into xp (ph rows above, pw columns left), the slack after it zero. */
function padInto(x: usize, C: i32, H: i32, W: i32, ph: i32, pw: i32, Hp: i32, Wp: i32, KW: i32, dw: i32): void {
  memory.fill(xpAt, 0, <usize>(C * Hp * Wp + slack(KW, dw)) << 2);
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      memory.copy(xpAt + (<usize>((c * Hp + h + ph) * Wp + pw) << 2), x + (<usize>((c * H + h) * W) << 2), <usize>W << 2);
    }
  }
}

/**
 * The forward tile: out0/out1 (16 floats each, filters f and f + 1) = init0/init1 + Σ_q
 * w[q][0 or 1] · xp[pixels + tap q], over the K taps of `taps`, then max(·, 0) with relu.
 * Not inlined, for the reason conv.ts's tile gives.
 */
function forwardTile(pixels: usize, taps: usize, K: i32, wp: usize, init0: f32, init1: f32, out0: usize, out1: usize, relu: bool): void {
  const i0 = f32x4.splat(init0), i1 = f32x4.splat(init1);
  let a0 = i0, a1 = i0, a2 = i0, a3 = i0, b0 = i1, b1 = i1, b2 = i1, b3 = i1;
  const end = taps + (<usize>K << 2);
  while (taps < end) {
    const at = pixels + <usize>load<i32>(taps);
    const w0 = v128.load32_splat(wp), w1 = v128.load32_splat(wp, 4);
    const x0 = v128.load(at), x1 = v128.load(at, 16), x2 = v128.load(at, 32), x3 = v128.load(at, 48);
    a0 = madd(x0, w0, a0); a1 = madd(x1, w0, a1); a2 = madd(x2, w0, a2); a3 = madd(x3, w0, a3);
    b0 = madd(x0, w1, b0); b1 = madd(x1, w1, b1); b2 = madd(x2, w1, b2); b3 = madd(x3, w1, b3);
    taps += 4;
    wp += 8;
  }
  if (relu) {
    const z = f32x4.splat(0);
    a0 = f32x4.max(a0, z); a1 = f32x4.max(a1, z); a2 = f32x4.max(a2, z); a3 = f32x4.max(a3, z);
    b0 = f32x4.max(b0, z); b1 = f32x4.max(b1, z); b2 = f32x4.max(b2, z); b3 = f32x4.max(b3, z);
  }
  v128.store(out0, a0); v128.store(out0, a1, 16); v128.store(out0, a2, 32); v128.store(out0, a3, 48);
  v128.store(out1, b0); v128.store(out1, b1, 16); v128.store(out1, b2, 32); v128.store(out1, b3, 48);
}

/**
 * Lays out the workspace for the direct kernels and fills the tap offsets; for the forward (`w` ≠ 0)
 * packs the weights and bias in filter pairs, for the filter gradient zeroes dyv (its dropped
 * columns, and a missing last filter's row, stay zero from then on). Once per call, before the
 * examples.
 */
export function directPrepare(w: usize, bias: usize, F: i32, g: usize, Hp: i32, Wp: i32, work: usize): void {
  const C = win(g, Win.C), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), dh = win(g, Win.DH), dw = win(g, Win.DW);
  const K = C * KH * KW, pairs = (F + 1) >> 1;
  directLayout(work, F, C, Hp, Wp, KH, KW, OH, dw);
  fillTaps(C, Hp, Wp, KH, KW, dh, dw);
  if (!w) {
    memory.fill(virtualAt, 0, <usize>(pairs * 2 * virtualPixels(OH, Wp)) << 2);
    return;
  }
  // Weights in filter pairs: pair p is [K][2] with w[2p + t, q] at [q][t] (zero past F).
  for (let p = 0; p < pairs; p++) {
    for (let t = 0; t < 2; t++) {
      const f = 2 * p + t, dst = weightsAt + (<usize>(p * 2 * K + t) << 2);
      for (let q = 0; q < K; q++) store<f32>(dst + (<usize>(q * 2) << 2), f < F ? load<f32>(w + (<usize>(f * K + q) << 2)) : 0);
      store<f32>(biasAt + (<usize>f << 2), bias && f < F ? load<f32>(bias + (<usize>f << 2)) : 0);
    }
  }
}

/**
 * conv2dForward's direct path for one example (after directPrepare): x [C, H, W] → out [F, OH·OW]
 * (bias, then ReLU with relu), through the virtual output.
 */
export function directForward(x: usize, relu: bool, F: i32, g: usize, Hp: i32, Wp: i32, out: usize): void {
  const C = win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const ph = win(g, Win.PH), pw = win(g, Win.PW), dw = win(g, Win.DW);
  const K = C * KH * KW, pairs = (F + 1) >> 1, Pv = virtualPixels(OH, Wp);
  padInto(x, C, H, W, ph, pw, Hp, Wp, KW, dw);
  for (let j = 0; j < Pv; j += TILE_PIXELS) {
    const pixels = xpAt + (<usize>j << 2);
    for (let p = 0; p < pairs; p++) {
      const row0 = virtualAt + (<usize>(2 * p * Pv + j) << 2);
      forwardTile(pixels, tapAt, K, weightsAt + (<usize>(p * 2 * K) << 2), load<f32>(biasAt + (<usize>(2 * p) << 2)), load<f32>(biasAt + (<usize>(2 * p + 1) << 2)), row0, row0 + (<usize>Pv << 2), relu);
    }
  }
  for (let f = 0; f < F; f++) {
    for (let oh = 0; oh < OH; oh++) {
      memory.copy(out + (<usize>((f * OH + oh) * OW) << 2), virtualAt + (<usize>(f * Pv + oh * Wp) << 2), <usize>OW << 2);
    }
  }
}

/**
 * The filter-gradient tile: for filters f, f + 1 (dyv rows d0, d1) and the taps at t0…t4 (xp plus
 * each tap's offset), the 10 sums Σ_j dyv[f, j] · xp[j + tap] over `Pv` virtual pixels, added to
 * dw[f·K + q + i] (the second filter's only with `second`; taps from `taps` on dropped).
 */
function filterTile(t0: usize, t1: usize, t2: usize, t3: usize, d0: usize, d1: usize, Pv: i32, dwf: usize, K: i32, q: i32, taps: i32, second: bool): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
  const end = d0 + (<usize>Pv << 2);
  while (d0 < end) {
    const x0 = v128.load(t0), x1 = v128.load(t1), x2 = v128.load(t2), x3 = v128.load(t3);
    const e0 = v128.load(d0), e1 = v128.load(d1);
    a0 = madd(x0, e0, a0); a1 = madd(x1, e0, a1); a2 = madd(x2, e0, a2); a3 = madd(x3, e0, a3);
    b0 = madd(x0, e1, b0); b1 = madd(x1, e1, b1); b2 = madd(x2, e1, b2); b3 = madd(x3, e1, b3);
    t0 += 16; t1 += 16; t2 += 16; t3 += 16; d0 += 16; d1 += 16;
  }
  addSums(dwf, q, taps, a0, a1, a2, a3);
  if (second) addSums(dwf + (<usize>K << 2), q, taps, b0, b1, b2, b3);
}

/** row[q + i] += the lane sum of v_i, for i < 4 and q + i < taps. */
// @ts-ignore: decorator
@inline
function addSums(row: usize, q: i32, taps: i32, v0: v128, v1: v128, v2: v128, v3: v128): void {
  // Lane sums of four vectors at once: pairwise transposed adds.
  const s01 = f32x4.add(v128.shuffle<i32>(v0, v1, 0, 2, 4, 6), v128.shuffle<i32>(v0, v1, 1, 3, 5, 7)); // v0: 0+1, 2+3; v1: 0+1, 2+3
  const s23 = f32x4.add(v128.shuffle<i32>(v2, v3, 0, 2, 4, 6), v128.shuffle<i32>(v2, v3, 1, 3, 5, 7));
  const s = f32x4.add(v128.shuffle<i32>(s01, s23, 0, 2, 4, 6), v128.shuffle<i32>(s01, s23, 1, 3, 5, 7));
  const at = row + (<usize>q << 2);
  if (q + TILE_TAPS <= taps) {
    v128.store(at, f32x4.add(v128.load(at), s));
    return;
  }
  if (q < taps) store<f32>(at, load<f32>(at) + f32x4.extract_lane(s, 0));
  if (q + 1 < taps) store<f32>(at + 4, load<f32>(at + 4) + f32x4.extract_lane(s, 1));
  if (q + 2 < taps) store<f32>(at + 8, load<f32>(at + 8) + f32x4.extract_lane(s, 2));
}

/**
 * conv2dBackwardFilter's direct path for one example (after directPrepare with no weights): x
 * [C, H, W] and dy [F, OH·OW], added into dw [F, K] (zeroed by the caller before the first). dy
 * is spread onto the virtual pixels, then every (filter pair, 4 taps) tile runs.
 */
export function directFilterGrad(x: usize, dy: usize, dw: usize, F: i32, g: usize, Hp: i32, Wp: i32): void {
  const C = win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const ph = win(g, Win.PH), pw = win(g, Win.PW), ddw = win(g, Win.DW);
  const K = C * KH * KW, pairs = (F + 1) >> 1, Pv = virtualPixels(OH, Wp);
  padInto(x, C, H, W, ph, pw, Hp, Wp, KW, ddw);
  const P = OH * OW;
  for (let f = 0; f < F; f++) {
    for (let oh = 0; oh < OH; oh++) {
      memory.copy(virtualAt + (<usize>(f * Pv + oh * Wp) << 2), dy + (<usize>(f * P + oh * OW) << 2), <usize>OW << 2);
    }
  }
  for (let p = 0; p < pairs; p++) {
    const d0 = virtualAt + (<usize>(2 * p * Pv) << 2), dwf = dw + (<usize>(2 * p * K) << 2);
    for (let q = 0; q < K; q += TILE_TAPS) {
      // The taps past K repeat the last one (read, never stored).
      filterTile(tapAddress(q, K), tapAddress(q + 1, K), tapAddress(q + 2, K), tapAddress(q + 3, K), d0, d0 + (<usize>Pv << 2), Pv, dwf, K, q, K, 2 * p + 1 < F);
    }
  }
}

/** xp + the offset of tap q (the last tap's past K). */
// @ts-ignore: decorator
@inline
function tapAddress(q: i32, K: i32): usize {
  return xpAt + <usize>load<i32>(tapAt + (<usize>min(q, K - 1) << 2));
}
