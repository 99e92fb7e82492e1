import { host, optHost as opt } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { allocate, dtypeOf } from '../../tensor/dtype.js';
import type { Window2d } from '../backend.js';
import { matmul } from './matmul.js';

// Convolution as im2col + matrix product, one example at a time so the column buffer stays
// [C·KH·KW, OH·OW] (bounded, even for VGG-16's first layers).

/** cols[(c·KH + kh)·KW + kw, oh·OW + ow] = x[n, c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw] (0 outside). */
function im2col(x: TypedArray, n: number, g: Window2d, cols: TypedArray): void {
  const { C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW, dilH, dilW } = g;
  const plane = OH * OW;
  for (let c = 0; c < C; c++) {
    const xBase = (n * C + c) * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        let at = ((c * KH + kh) * KW + kw) * plane;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * strideH - padH + kh * dilH;
          if (ih < 0 || ih >= H) {
            cols.fill(0, at, at + OW);
            at += OW;
            continue;
          }
          const row = xBase + ih * W;
          for (let ow = 0; ow < OW; ow++, at++) {
            const iw = ow * strideW - padW + kw * dilW;
            cols[at] = iw >= 0 && iw < W ? x[row + iw]! : 0;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of im2col: dx[n] += each column entry at the pixel it was read from. Its loops mirror
 * im2col's on purpose: sharing them through a callback would cost the hot inner loop its speed.
 */
function col2im(cols: TypedArray, n: number, g: Window2d, dx: TypedArray): void {
  const { C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW, dilH, dilW } = g;
  const plane = OH * OW;
  for (let c = 0; c < C; c++) {
    const xBase = (n * C + c) * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        let at = ((c * KH + kh) * KW + kw) * plane;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * strideH - padH + kh * dilH;
          if (ih < 0 || ih >= H) { at += OW; continue; }
          const row = xBase + ih * W;
          for (let ow = 0; ow < OW; ow++, at++) {
            const iw = ow * strideW - padW + kw * dilW;
            if (iw >= 0 && iw < W) dx[row + iw] += cols[at]!;
          }
        }
      }
    }
  }
}

const colsFor = (like: TypedArray, g: Window2d): TypedArray => allocate(dtypeOf(like), g.C * g.KH * g.KW * g.OH * g.OW);

export function conv2d(x_: Storage, w_: Storage, bias_: Storage | null, out_: Storage, F: number, g: Window2d): void {
  const x = host(x_), w = host(w_), bias = opt(bias_), out = host(out_);
  const cols = colsFor(x, g);
  const ckk = g.C * g.KH * g.KW, plane = g.OH * g.OW;
  for (let n = 0; n < g.N; n++) {
    im2col(x, n, g, cols);
    // out[n]: [F, OH·OW] = w: [F, CKK] · cols: [CKK, OH·OW], + bias[f] on row f
    matmul(w, 0, cols, 0, out.subarray(n * F * plane, (n + 1) * F * plane), 1, F, ckk, plane, false, false);
    if (bias) {
      for (let f = 0, at = n * F * plane; f < F; f++) {
        const b = bias[f]!;
        for (let end = at + plane; at < end; at++) out[at]! += b;
      }
    }
  }
}

export function conv2dBackwardInput(dy_: Storage, w_: Storage, dx_: Storage, F: number, g: Window2d): void {
  const dy = host(dy_), w = host(w_), dx = host(dx_);
  const cols = colsFor(dx, g);
  const ckk = g.C * g.KH * g.KW, plane = g.OH * g.OW;
  dx.fill(0);
  for (let n = 0; n < g.N; n++) {
    // dcols: [CKK, OH·OW] = wᵀ: [CKK, F] · dy[n]: [F, OH·OW]
    matmul(w, 0, dy.subarray(n * F * plane, (n + 1) * F * plane), 0, cols, 1, ckk, F, plane, true, false);
    col2im(cols, n, g, dx);
  }
}

export function conv2dBackwardFilter(x_: Storage, dy_: Storage, dw_: Storage, F: number, g: Window2d): void {
  const x = host(x_), dy = host(dy_), dw = host(dw_);
  const cols = colsFor(x, g);
  const ckk = g.C * g.KH * g.KW, plane = g.OH * g.OW;
  const part = allocate(dtypeOf(dw), F * ckk);
  dw.fill(0);
  for (let n = 0; n < g.N; n++) {
    im2col(x, n, g, cols);
    // dw += dy[n]: [F, OH·OW] · colsᵀ: [OH·OW, CKK]
    matmul(dy.subarray(n * F * plane, (n + 1) * F * plane), 0, cols, 0, part, 1, F, plane, ckk, false, true);
    for (let i = 0; i < part.length; i++) dw[i] += part[i]!;
  }
}

export function conv2dBackward(dy_: Storage, x_: Storage, w_: Storage, dx_: Storage | null, dw_: Storage | null, db_: Storage | null, F: number, g: Window2d): void {
  const dy = host(dy_), x = host(x_), w = host(w_), dx = opt(dx_), dw = opt(dw_), db = opt(db_);
  if (dx) conv2dBackwardInput(dy, w, dx, F, g);
  if (dw) conv2dBackwardFilter(x, dy, dw, F, g);
  if (db) {
    // db[f] = Σ over examples and positions of dy[n, f, ·, ·]
    const plane = g.OH * g.OW;
    db.fill(0);
    for (let n = 0, at = 0; n < g.N; n++) {
      for (let f = 0; f < F; f++) {
        let s = 0;
        for (const end = at + plane; at < end; at++) s += dy[at]!;
        db[f]! += s;
      }
    }
  }
}
