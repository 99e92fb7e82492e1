import { allocIndexStorage, allocOutput, allocStorage } from '../tensor/storage.js';
import { needsGrad, record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { DTypeError, ValueError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Pair } from './window.js';
import { checkNCHW, checkPoolPadding, pair, window2d } from './window.js';
import { checkOptions } from '../validate.js';

export interface Pool2dOptions {
  /** Default: the kernel size (non-overlapping windows). */
  stride?: Pair;
  /** Zero (avg) or −∞ (max) padding on each side; at most half the kernel. Default 0. */
  padding?: Pair;
}

function poolWindow(op: string, x: Tensor, kernelSize: Pair, o: Pool2dOptions & { dilation?: Pair }) {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: needs a float input, got ${x.dtype}`);
  const g = window2d(op, x.shape, kernelSize, { stride: o.stride ?? kernelSize, padding: o.padding ?? 0, dilation: o.dilation });
  checkPoolPadding(op, [g.KH, g.KW], [g.padH, g.padW]);
  return g;
}

/**
 * Max pooling over NCHW data: each output is the largest value of its window.
 * Backward: the gradient goes to the position of that max.
 * @example nn.functional.maxPool2d(x, 2)   // halves H and W
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions & { dilation?: Pair } = {}): Tensor {
  checkOptions('maxPool2d', options, ['stride', 'padding', 'dilation']);
  const g = poolWindow('maxPool2d', x, kernelSize, options);
  const out = allocOutput(x.dtype, g.N * g.C * g.OH * g.OW);
  // Where each max came from, only for a backward pass (inference skips it).
  const argmax = needsGrad([x]) ? allocIndexStorage(out.length) : null;
  backend().maxPool2d(x.storage, out, argmax, g);
  return record(new Tensor(out, [g.N, g.C, g.OH, g.OW]), 'maxPool2d', [x], (dy) => {
    const dx = allocStorage(dy.dtype, x.size);
    backend().maxPool2dBackward(dy.storage, argmax!, dx);
    return [new Tensor(dx, x.shape)];
  });
}

/** Average pooling over NCHW data (padding counts as zeros). Backward: each window's gradient shared evenly. */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  checkOptions('avgPool2d', options, ['stride', 'padding']);
  const g = poolWindow('avgPool2d', x, kernelSize, options);
  const out = allocStorage(x.dtype, g.N * g.C * g.OH * g.OW);
  backend().avgPool2d(x.storage, out, g);
  return record(new Tensor(out, [g.N, g.C, g.OH, g.OW]), 'avgPool2d', [x], (dy) => {
    const dx = allocStorage(dy.dtype, x.size);
    backend().avgPool2dBackward(dy.storage, dx, g);
    return [new Tensor(dx, x.shape)];
  });
}

/**
 * Average pooling to a fixed output size, whatever the input size; `1` is global average pooling.
 * @example nn.functional.adaptiveAvgPool2d(kiln.randn([2, 512, 7, 7]), 1)   // [2, 512, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const [N, C, H, W] = checkNCHW(x.shape, 'adaptiveAvgPool2d');
  if (!isFloat(x.dtype)) throw new DTypeError(`adaptiveAvgPool2d: needs a float input, got ${x.dtype}`);
  const [OH, OW] = pair(outputSize, 'outputSize', 'adaptiveAvgPool2d');
  if (H === 0 || W === 0) throw new ValueError(`adaptiveAvgPool2d: the input plane ${H}×${W} is empty`);
  const out = allocStorage(x.dtype, N * C * OH * OW);
  backend().adaptiveAvgPool2d(x.storage, out, N * C, H, W, OH, OW);
  return record(new Tensor(out, [N, C, OH, OW]), 'adaptiveAvgPool2d', [x], (dy) => {
    const dx = allocStorage(dy.dtype, x.size);
    backend().adaptiveAvgPool2dBackward(dy.storage, dx, N * C, H, W, OH, OW);
    return [new Tensor(dx, x.shape)];
  });
}
