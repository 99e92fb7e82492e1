import type { Window2d } from '../backend/backend.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';

/** A size given once for both dims, or as [height, width]. */
export type Pair = number | readonly [number, number];
/** Padding: a size, [height, width], `'valid'` (none) or `'same'` (output size = input size, stride 1). */
export type Padding = Pair | 'same' | 'valid';

export function pair(v: Pair, name: string, op: string, min = 1): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min} or a pair [h, w] of them, got ${JSON.stringify(v)}`);
  }
  return [p[0]!, p[1]!];
}

/** ⌊(n + padding − d·(k − 1) − 1)/s⌋ + 1: the course's ⌊(n + 2p − f)/s⌋ + 1, with dilation. */
export function outputSize(n: number, k: number, stride: number, padTotal: number, dilation: number): number {
  return Math.floor((n + padTotal - dilation * (k - 1) - 1) / stride) + 1;
}

export function checkNCHW(shape: readonly number[], op: string): [number, number, number, number] {
  if (shape.length !== 4) {
    throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got ${shape.length}-D ${fmtShape(shape)}${shape.length === 3 ? '; for a single image use x.unsqueeze(0)' : ''}`);
  }
  return shape as [number, number, number, number];
}

/**
 * The window geometry of a conv or pool over an NCHW input, with the output size checked:
 * a configuration whose output would be empty is a ShapeError naming the sizes.
 */
export function window2d(op: string, shape: readonly number[], kernel: Pair, o: { stride?: Pair; padding?: Padding; dilation?: Pair }): Window2d {
  const [N, C, H, W] = checkNCHW(shape, op);
  const [KH, KW] = pair(kernel, 'kernelSize', op);
  const [strideH, strideW] = pair(o.stride ?? 1, 'stride', op);
  const [dilH, dilW] = pair(o.dilation ?? 1, 'dilation', op);
  let padH: number, padW: number, totalH: number, totalW: number;
  const padding = o.padding ?? 0;
  if (padding === 'same') {
    if (strideH !== 1 || strideW !== 1) throw new ValueError(`${op}: padding 'same' needs stride 1, got stride [${strideH}, ${strideW}]`);
    // Total padding d·(k − 1), the extra pixel (for even kernels) on the bottom/right, as PyTorch.
    totalH = dilH * (KH - 1);
    totalW = dilW * (KW - 1);
    padH = Math.floor(totalH / 2);
    padW = Math.floor(totalW / 2);
  } else {
    [padH, padW] = padding === 'valid' ? [0, 0] : pair(padding, 'padding', op, 0);
    totalH = 2 * padH;
    totalW = 2 * padW;
  }
  const OH = outputSize(H, KH, strideH, totalH, dilH);
  const OW = outputSize(W, KW, strideW, totalW, dilW);
  if (OH <= 0 || OW <= 0) {
    throw new ShapeError(
      `${op}: a ${KH}×${KW} kernel${dilH > 1 || dilW > 1 ? ` (dilation ${dilH}×${dilW})` : ''} does not fit the ${H}×${W} input with padding ${padH}×${padW}: ` +
      `the output would be ${Math.max(OH, 0)}×${Math.max(OW, 0)} (⌊(n + 2p − f)/s⌋ + 1); pad the input or use a smaller kernel`,
    );
  }
  return { N, C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW, dilH, dilW };
}

/** Pooling pads with zeros (avg) or −∞ (max), so at most half a kernel of padding is allowed, as in PyTorch. */
export function checkPoolPadding(op: string, [KH, KW]: readonly [number, number], [padH, padW]: readonly [number, number]): void {
  if (2 * padH > KH || 2 * padW > KW) throw new ValueError(`${op}: padding ${padH}×${padW} must be at most half the kernel ${KH}×${KW}`);
}
