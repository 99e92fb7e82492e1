// Max and average pooling over float32 NCHW planes, as in src/backend/js/pool.ts.

import { Win, win } from './window';

/** out = each window's max; argmax (i32) = the flat input index it came from (not written when argmax is 0: no gradient will be taken). */
export function maxPool2d(x: usize, out: usize, argmax: usize, g: usize): void {
  const planes = win(g, Win.N) * win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const sh = win(g, Win.SH), sw = win(g, Win.SW), ph = win(g, Win.PH), pw = win(g, Win.PW), dh = win(g, Win.DH), dw = win(g, Win.DW);
  if (ph == 0 && pw == 0 && dh == 1 && dw == 1) {
    maxPool2dInside(x, out, argmax, planes, H, W, KH, KW, OH, OW, sh, sw);
    return;
  }
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best: f32 = -Infinity;
        let at = -1;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh - ph + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw - pw + kw * dw;
            if (iw < 0 || iw >= W) continue;
            const i = base + ih * W + iw;
            const v = load<f32>(x + (<usize>i << 2));
            if (v > best || at < 0 || v != v) { best = v; at = i; }
          }
        }
        store<f32>(out + (o << 2), best);
        if (argmax) store<i32>(argmax + (o << 2), at);
        o++;
      }
    }
  }
}

/**
 * maxPool2d without padding or dilation (the common case): every window lies inside the image.
 * Four neighbouring outputs at a time in SIMD lanes, with masks instead of branches: on real data
 * which element wins is unpredictable, and a mispredicted branch per comparison (about 7 ns on
 * x86, where even scalar f32.max branches for NaN) costs more than the whole window. Same results
 * and argmax as the general loop: the first maximum wins, and a NaN always does.
 */
export function maxPool2dInside(x: usize, out: usize, argmax: usize, planes: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32): void {
  if (KH == 2 && KW == 2 && sh == 2 && sw == 2) {
    maxPool2x2(x, out, argmax, planes, H, W, OH, OW);
    return;
  }
  let o: usize = 0;
  const lanes = i32x4(0, sw, 2 * sw, 3 * sw);
  const vecOW = OW & ~3;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = base + oh * sh * W;
      for (let ow = 0; ow < vecOW; ow += 4) {
        const corner = rowBase + ow * sw;
        let best = gather4(x, corner, sw);
        let at = i32x4.add(i32x4.splat(corner), lanes);
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = kh == 0 ? 1 : 0; kw < KW; kw++) {
            const i = corner + kh * W + kw;
            const v = gather4(x, i, sw);
            const wins = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, wins);
            at = v128.bitselect(i32x4.add(i32x4.splat(i), lanes), at, wins);
          }
        }
        v128.store(out + (o << 2), best);
        if (argmax) v128.store(argmax + (o << 2), at);
        o += 4;
      }
      for (let ow = vecOW; ow < OW; ow++) {
        maxWindowAt(x, rowBase + ow * sw, W, KH, KW, out + (o << 2), argmax ? argmax + (o << 2) : 0);
        o++;
      }
    }
  }
}

/**
 * maxPool2dInside for 2×2 windows with stride 2 (LeNet's, VGG's): four outputs read two whole
 * vectors from each of their two input rows, split into even and odd columns by shuffles instead
 * of gathering lane by lane. The windows' elements are compared in the same order as the general
 * loop, so results and argmax are the same.
 */
function maxPool2x2(x: usize, out: usize, argmax: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  const even = i32x4(0, 2, 4, 6), one = i32x4.splat(1), below = i32x4.splat(W), belowRight = i32x4.splat(W + 1);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = base + 2 * oh * W, rowOut = (p * OH + oh) * OW;
      if (OW < 4) {
        for (let ow = 0; ow < OW; ow++) {
          const o = <usize>(rowOut + ow) << 2;
          maxWindowAt(x, rowBase + 2 * ow, W, 2, 2, out + o, argmax ? argmax + o : 0);
        }
        continue;
      }
      // Four outputs a step; a row whose width is not a multiple of 4 ends with the last four
      // (overlapping the step before: the same values written again) instead of a scalar tail.
      for (let step = 0; step < OW; step += 4) {
        const ow = min(step, OW - 4), o = <usize>(rowOut + ow) << 2;
        const corner = rowBase + 2 * ow;
        const top = x + (<usize>corner << 2), bottom = top + (<usize>W << 2);
        const t0 = v128.load(top), t1 = v128.load(top, 16), b0 = v128.load(bottom), b1 = v128.load(bottom, 16);
        // The window's max over its four elements in the general loop's order; the argmax, when
        // wanted, from the same three masks afterwards.
        let best = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6);
        let v = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
        const right = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, right);
        v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        const down = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, down);
        v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const diagonal = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, diagonal);
        v128.store(out + o, best);
        if (argmax) {
          const at00 = i32x4.add(i32x4.splat(corner), even);
          let at = v128.bitselect(i32x4.add(at00, one), at00, right);
          at = v128.bitselect(i32x4.add(at00, below), at, down);
          at = v128.bitselect(i32x4.add(at00, belowRight), at, diagonal);
          v128.store(argmax + o, at);
        }
      }
    }
  }
}

/**
 * One window inside the image, branch-free: the max of x[corner + kh·W + kw] (the first maximum,
 * or a NaN) into *out and its index into *argmaxAt (unless argmaxAt is 0).
 */
// @ts-ignore: decorator
@inline
function maxWindowAt(x: usize, corner: i32, W: i32, KH: i32, KW: i32, out: usize, argmaxAt: usize): void {
  let at = corner;
  let best = load<f32>(x + (<usize>at << 2));
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = kh == 0 ? 1 : 0; kw < KW; kw++) {
      const i = corner + kh * W + kw;
      const v = load<f32>(x + (<usize>i << 2));
      const wins = <i32>(v > best) | <i32>(v != v);
      best = select<f32>(v, best, wins);
      at = select<i32>(i, at, wins);
    }
  }
  store<f32>(out, best);
  if (argmaxAt) store<i32>(argmaxAt, at);
}

/** [x[i], x[i + s], x[i + 2s], x[i + 3s]] as one vector. */
// @ts-ignore: decorator
@inline
function gather4(x: usize, i: i32, s: i32): v128 {
  const p = x + (<usize>i << 2), step = <usize>s << 2;
  let v = v128.load32_zero(p);
  v = f32x4.replace_lane(v, 1, load<f32>(p + step));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * step));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * step));
}

/** dx (pre-zeroed) += dy routed to each window's argmax. */
export function maxPool2dBackward(dy: usize, argmax: usize, dx: usize, count: i32): void {
  for (let o = 0; o < count; o++) {
    const at = dx + (<usize>load<i32>(argmax + (<usize>o << 2)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dy + (<usize>o << 2)));
  }
}

/** out = each window's mean, padding counted as zeros; with `backward`, dx += dy/area over each window instead. */
export function avgPool2d(src: usize, dst: usize, g: usize, backward: i32): void {
  const planes = win(g, Win.N) * win(g, Win.C), H = win(g, Win.H), W = win(g, Win.W), KH = win(g, Win.KH), KW = win(g, Win.KW), OH = win(g, Win.OH), OW = win(g, Win.OW);
  const sh = win(g, Win.SH), sw = win(g, Win.SW), ph = win(g, Win.PH), pw = win(g, Win.PW);
  const inv: f32 = 1 / <f32>(KH * KW);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = (p * OH + oh) * OW + ow;
        let s: f32 = 0;
        const g: f32 = backward ? load<f32>(src + (<usize>o << 2)) * inv : 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh - ph + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw - pw + kw;
            if (iw < 0 || iw >= W) continue;
            const i = <usize>(base + ih * W + iw) << 2;
            if (backward) store<f32>(dst + i, load<f32>(dst + i) + g);
            else s += load<f32>(src + i);
          }
        }
        if (!backward) store<f32>(dst + (<usize>o << 2), s * inv);
      }
    }
  }
}
