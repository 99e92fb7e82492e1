import { host, hostInt } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';
import type { Window2d } from '../backend.js';

// Pooling over each of the N·C planes independently.

export function maxPool2d(x_: Storage, out_: Storage, argmax_: Storage | null, g: Window2d): void {
  const x = host(x_), out = host(out_), argmax = argmax_ && hostInt(argmax_);
  const { N, C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW, dilH, dilW } = g;
  for (let p = 0; p < N * C; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity;
        let at = -1;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * strideH - padH + kh * dilH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * strideW - padW + kw * dilW;
            if (iw < 0 || iw >= W) continue;
            const v = x[base + ih * W + iw]!;
            if (v > best || at < 0 || v !== v) { best = v; at = base + ih * W + iw; }
          }
        }
        const o = (p * OH + oh) * OW + ow;
        out[o] = best;
        if (argmax) argmax[o] = at;
      }
    }
  }
}

export function maxPool2dBackward(dy_: Storage, argmax_: Storage, dx_: Storage): void {
  const dy = host(dy_), argmax = hostInt(argmax_), dx = host(dx_);
  for (let o = 0; o < dy.length; o++) dx[argmax[o]!] += dy[o]!;
}

/** Calls f(outIndex, inIndex) for every in-bounds pixel of every window. */
function forEachWindowPixel(g: Window2d, f: (o: number, i: number) => void): void {
  const { N, C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW } = g;
  for (let p = 0; p < N * C; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = (p * OH + oh) * OW + ow;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * strideH - padH + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * strideW - padW + kw;
            if (iw >= 0 && iw < W) f(o, (p * H + ih) * W + iw);
          }
        }
      }
    }
  }
}

export function avgPool2d(x_: Storage, out_: Storage, g: Window2d): void {
  const x = host(x_), out = host(out_);
  const area = g.KH * g.KW;
  out.fill(0);
  forEachWindowPixel(g, (o, i) => { out[o] += x[i]!; });
  for (let o = 0; o < out.length; o++) out[o] /= area;
}

export function avgPool2dBackward(dy_: Storage, dx_: Storage, g: Window2d): void {
  const dy = host(dy_), dx = host(dx_);
  const area = g.KH * g.KW;
  dx.fill(0);
  forEachWindowPixel(g, (o, i) => { dx[i] += dy[o]! / area; });
}

const start = (i: number, inSize: number, outSize: number): number => Math.floor((i * inSize) / outSize);
const end = (i: number, inSize: number, outSize: number): number => Math.ceil(((i + 1) * inSize) / outSize);

export function adaptiveAvgPool2d(x_: Storage, out_: Storage, planes: number, H: number, W: number, OH: number, OW: number): void {
  const x = host(x_), out = host(out_);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = start(oh, H, OH), h1 = end(oh, H, OH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = start(ow, W, OW), w1 = end(ow, W, OW);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x[(p * H + h) * W + w]!;
        out[(p * OH + oh) * OW + ow] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(dy_: Storage, dx_: Storage, planes: number, H: number, W: number, OH: number, OW: number): void {
  const dy = host(dy_), dx = host(dx_);
  dx.fill(0);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = start(oh, H, OH), h1 = end(oh, H, OH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = start(ow, W, OW), w1 = end(ow, W, OW);
        const share = dy[(p * OH + oh) * OW + ow]! / ((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dx[(p * H + h) * W + w] += share;
      }
    }
  }
}
