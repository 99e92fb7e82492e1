import { record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { allocate, isFloat, promoteTypes } from '../tensor/dtype.js';
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
  /**
   * Applies ReLU to the result in the same pass: relu(conv2d(x, w, b)) without a second tensor or
   * pass over it (Sequential does this for a Conv2d followed by a ReLU). Default false.
   */
  relu?: boolean;
  /**
   * Max-pools the (ReLU'd) result in the same op, without padding: maxPool2d(·, kernelSize,
   * { stride }) with no full-size output tensor (Sequential does this for Conv2d, ReLU, MaxPool2d).
   */
  maxPool?: { kernelSize: Pair; stride?: Pair };
}

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
  checkOptions('conv2d', options, ['stride', 'padding', 'dilation', 'groups', 'relu', 'maxPool']);
  if (!isFloat(x.dtype) || !isFloat(weight.dtype)) throw new DTypeError(`conv2d: needs float input and weight, got ${x.dtype} and ${weight.dtype}; use x.float()`);
  const g = conv2dGeometry(x.shape, weight.shape, options);
  const F = weight.shape[0]!;
  if ((options.groups ?? 1) > 1) {
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== F)) throw new ShapeError(`conv2d: bias must be [${F}] (one per filter), got ${fmtShape(bias.shape)}`);
    return groupedConv2d(x, weight, bias, options, options.groups!);
  }
  const dtype = promoteTypes(x.dtype, weight.dtype);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== F)) throw new ShapeError(`conv2d: bias must be [${F}] (one per filter), got ${fmtShape(bias.shape)}`);
  const xd = x.to(dtype), wd = weight.to(dtype), bd = bias?.to(dtype);
  const relu = options.relu === true;
  const mp = options.maxPool;
  const pg = mp ? window2d('conv2d maxPool', [g.N, F, g.OH, g.OW], mp.kernelSize, { stride: mp.stride ?? mp.kernelSize, padding: 0 }) : null;
  const pool = pg ? { g: pg, argmax: new Int32Array(g.N * F * pg.OH * pg.OW) } : null;
  const shape = pg ? [g.N, F, pg.OH, pg.OW] : [g.N, F, g.OH, g.OW];
  const out = allocate(dtype, shape.reduce((a, b) => a * b, 1));
  // The kernel adds the bias (and applies ReLU, and pools) in its fresh output: no broadcast add,
  // no second tensor.
  backend().conv2d(xd.data, wd.data, bd?.data ?? null, out, F, g, relu, pool);
  const y = new Tensor(out, shape);
  const name = `conv2d${relu ? 'Relu' : ''}${pool ? 'MaxPool' : ''}`;
  return record(y, name, bd ? [xd, wd, bd] : [xd, wd], (dy) => {
    const dx = xd.requiresGrad ? allocate(dtype, xd.size) : null;
    const dw = wd.requiresGrad ? allocate(dtype, wd.size) : null;
    const db = bd?.requiresGrad ? allocate(dtype, F) : null;
    // One backend call for all of them: back through the pooling (to each window's max) and the
    // ReLU (y > 0 exactly where its input was) first.
    backend().conv2dBackward(dy.data, xd.data, wd.data, relu ? out : null, dx, dw, db, F, g, pool);
    return [dx && new Tensor(dx, xd.shape), dw && new Tensor(dw, wd.shape), db && new Tensor(db, bd!.shape)];
  });
}
