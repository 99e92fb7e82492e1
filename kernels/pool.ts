// Max and average pooling over float32 NCHW planes, as in src/backend/js/pool.ts.

/** out = each window's max; argmax (i32) = the flat input index it came from. */
export function maxPool2d(x: usize, out: usize, argmax: usize, planes: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32): void {
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
        store<i32>(argmax + (o << 2), at);
        o++;
      }
    }
  }
}

/** dx (pre-zeroed) += dy routed to each window's argmax. */
export function maxPool2dBackward(dy: usize, argmax: usize, dx: usize, count: i32): void {
  for (let o = 0; o < count; o++) {
    const at = dx + (<usize>load<i32>(argmax + (<usize>o << 2)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dy + (<usize>o << 2)));
  }
}

/** out = each window's mean, padding counted as zeros; with `backward`, dx += dy/area over each window instead. */
export function avgPool2d(src: usize, dst: usize, planes: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, backward: i32): void {
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
