import { allocOutput } from '../tensor/storage.js';
import { record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloat, promoteTypes } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Window2d } from '../backend/backend.js';
import type { Pair, Padding } from './window.js';
import { window2d } from './window.js';
import { cat } from './shape.js';
import { checkInt, checkOptions } from '../validate.js';

export interface Conv2dOptions {
  stride?: Pair;
  /** A size, [h, w], `'valid'` (0) or `'same'` (keeps the size; stride 1). Default 0. */
  padding?: Padding;
  dilation?: Pair;
  /**
   * Splits the channels into this many groups, each convolved with its own filters (default 1):
   * the weight is [F, C/groups, KH, KW] and filter group i sees input channels group i. groups = C
   * is a depthwise convolution.
   */
  groups?: number;
}

/** The option names conv2d takes (the fused ops built on it take the same). */
export const CONV2D_OPTIONS = ['stride', 'padding', 'dilation', 'groups'] as const;

/**
 * The window geometry of conv2d for an input [N, C, H, W] and a weight [F, C, KH, KW]; throws a
 * ShapeError naming the sizes when the ranks, the channels or the output size do not fit.
 */
export function conv2dGeometry(input: readonly number[], weight: readonly number[], options: Conv2dOptions): Window2d {
  if (weight.length !== 4) throw new ShapeError(`conv2d: weight must be [F, C/groups, KH, KW], got ${fmtShape(weight)}`);
  const groups = checkInt('conv2d', 'groups', options.groups ?? 1);
  const g = window2d('conv2d', input, [weight[2]!, weight[3]!], options);
  if (g.C % groups !== 0 || weight[0]! % groups !== 0) {
    throw new ShapeError(`conv2d: groups ${groups} must divide the input's ${g.C} channels and the ${weight[0]} filters`);
  }
  if (g.C !== weight[1]! * groups) {
    throw new ShapeError(`conv2d: the input has ${g.C} channels but the weight ${fmtShape(weight)} expects ${weight[1]! * groups}${groups > 1 ? ` (${weight[1]} per group × ${groups} groups)` : ''}`);
  }
  return g;
}

/** conv2d with groups > 1: each group's channels through its own filters, the results side by side. */
function groupedConv2d(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dOptions, groups: number): Tensor {
  const [cIn, fOut] = [weight.shape[1]!, weight.shape[0]! / groups];
  const parts: Tensor[] = [];
  for (let i = 0; i < groups; i++) {
    parts.push(conv2d(x.narrow(1, i * cIn, cIn), weight.narrow(0, i * fOut, fOut), bias?.narrow(0, i * fOut, fOut), { ...options, groups: 1 }));
  }
  return cat(parts, 1);
}

/**
 * 2-D convolution (cross-correlation, as every framework computes it) over NCHW data.
 * x: [N, C, H, W], weight: [F, C, KH, KW], bias: [F] → [N, F, OH, OW], with
 * OH = ⌊(H + 2p − d·(KH − 1) − 1)/s⌋ + 1.
 * Backward: dx is the "full" correlation of dy with the flipped filters, dW = Σₙ dy ⋆ x, db = Σ dy.
 * @example nn.functional.conv2d(kiln.randn([1, 3, 39, 39]), kiln.randn([10, 3, 3, 3]))   // [1, 10, 37, 37]
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', options, CONV2D_OPTIONS);
  const { g, F, xd, wd, bd } = conv2dOperands('conv2d', x, weight, bias, options);
  if ((options.groups ?? 1) > 1) return groupedConv2d(x, weight, bias, options, options.groups!);
  const out = allocOutput(xd.dtype, g.N * F * g.OH * g.OW);
  // The kernel adds the bias in its fresh output: no broadcast add, no second tensor.
  backend().conv2d(xd.storage, wd.storage, bd?.storage ?? null, out, F, g);
  return record(new Tensor(out, [g.N, F, g.OH, g.OW]), 'conv2d', bd ? [xd, wd, bd] : [xd, wd], (dy) => {
    const [dx, dw, db] = conv2dGradients(xd, wd, bd);
    // One backend call for all of them.
    backend().conv2dBackward(dy.storage, xd.storage, wd.storage, dx?.storage ?? null, dw?.storage ?? null, db?.storage ?? null, F, g);
    return [dx, dw, db];
  });
}

/**
 * Checks conv2d's operands and brings them to one float dtype: the geometry, the filter count, and
 * x, weight and bias in that dtype.
 */
export function conv2dOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dOptions) {
  if (!isFloat(x.dtype) || !isFloat(weight.dtype)) throw new DTypeError(`${op}: needs float input and weight, got ${x.dtype} and ${weight.dtype}; use x.float()`);
  const g = conv2dGeometry(x.shape, weight.shape, options);
  const F = weight.shape[0]!;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== F)) throw new ShapeError(`${op}: bias must be [${F}] (one per filter), got ${fmtShape(bias.shape)}`);
  const dtype = promoteTypes(x.dtype, weight.dtype);
  return { g, F, xd: x.to(dtype), wd: weight.to(dtype), bd: bias?.to(dtype) };
}

/**
 * Storages for the gradients of the conv operands that need one (null for the others), not zeroed:
 * a backend's conv2dBackward (and the fused op's) overwrites each in full.
 */
export function conv2dGradients(xd: Tensor, wd: Tensor, bd: Tensor | undefined): [Tensor | null, Tensor | null, Tensor | null] {
  const grad = (t: Tensor | undefined): Tensor | null => (t?.requiresGrad ? new Tensor(allocOutput(t.dtype, t.size), t.shape) : null);
  return [grad(xd), grad(wd), grad(bd)];
}
