import { needsGrad, record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { ValueError } from '../errors.js';
import { allocIndexStorage, allocOutput } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../validate.js';
import { CONV2D_OPTIONS, conv2dGradients, conv2dOperands } from './conv.js';
import type { Conv2dOptions } from './conv.js';
import type { Pair } from './window.js';
import { window2d } from './window.js';

// Fused ops: one kernel for what is otherwise a chain of ops, each held to its plain composition
// (its js kernel is that composition; ops/fused.test.ts compares values and gradients). Layers
// never ask for them: the fusion pass (nn/fuse.ts) rewrites a model's execution to use them.

export interface Conv2dReluMaxPoolOptions extends Conv2dOptions {
  /** The max pooling after the ReLU: its window and stride (default: the window). No padding. */
  pool: { kernelSize: Pair; stride?: Pair };
}

/**
 * maxPool2d(relu(conv2d(x, weight, bias, options)), pool.kernelSize, { stride: pool.stride }) as one
 * op: each example's conv output is pooled while still in cache, and neither the full-size conv
 * output nor its ReLU exists as a tensor. x: [N, C, H, W], weight: [F, C, KH, KW] → [N, F, POH, POW].
 * Backward: dy goes to each window's max where the pooled output is > 0, then as conv2d's.
 * @example nn.functional.conv2dReluMaxPool(x, w, b, { padding: 2, pool: { kernelSize: 2 } })
 */
export function conv2dReluMaxPool(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dReluMaxPoolOptions): Tensor {
  checkOptions('conv2dReluMaxPool', options, [...CONV2D_OPTIONS, 'pool']);
  if ((options.groups ?? 1) !== 1) throw new ValueError('conv2dReluMaxPool: grouped convolutions are not fused; use conv2d, relu and maxPool2d');
  if (!options.pool) throw new ValueError('conv2dReluMaxPool: options.pool { kernelSize, stride? } is required');
  checkOptions('conv2dReluMaxPool pool', options.pool, ['kernelSize', 'stride']);
  const { g, F, xd, wd, bd } = conv2dOperands('conv2dReluMaxPool', x, weight, bias, options);
  const { kernelSize, stride } = options.pool;
  const pg = window2d('conv2dReluMaxPool pool', [g.N, F, g.OH, g.OW], kernelSize, { stride: stride ?? kernelSize, padding: 0 });
  const n = g.N * F * pg.OH * pg.OW;
  const out = allocOutput(xd.dtype, n);
  const inputs = bd ? [xd, wd, bd] : [xd, wd];
  // Where each max came from, only for a backward pass (inference skips it).
  const argmax = needsGrad(inputs) ? allocIndexStorage(n) : null;
  backend().conv2dReluMaxPool(xd.storage, wd.storage, bd?.storage ?? null, out, argmax, F, g, pg);
  const y = new Tensor(out, [g.N, F, pg.OH, pg.OW]);
  return record(y, 'conv2dReluMaxPool', inputs, (dy) => {
    const [dx, dw, db] = conv2dGradients(xd, wd, bd);
    backend().conv2dReluMaxPoolBackward(dy.storage, out, argmax!, xd.storage, wd.storage, dx?.storage ?? null, dw?.storage ?? null, db?.storage ?? null, F, g);
    return [dx, dw, db];
  });
}
