import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../validate.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use the batch's statistics (and update the running ones) rather than the running ones. */
  training?: boolean;
  /** Weight of the new batch in the running averages: r = (1 − m)·r + m·batch. Default 0.1. */
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation over dim 1 (features or channels) of [N, C] or [N, C, …] data:
 * y = (x − μ)/√(σ² + ε)·γ + β. In training μ and σ² are the batch's (σ² biased) and the running
 * estimates move towards them (σ² unbiased there, as in PyTorch); in eval the running ones are used.
 * Composed from differentiable ops, so its gradient follows.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm', o, ['weight', 'bias', 'training', 'momentum', 'eps']);
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = o;
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected [N, C] or [N, C, …], got ${fmtShape(x.shape)}`);
  const C = x.shape[1]!;
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) throw new ShapeError(`batchNorm: ${name} must be [${C}] for an input with ${C} channels, got ${fmtShape(t.shape)}`);
  }
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const perChannel = [1, C, ...x.shape.slice(2).map(() => 1)];
  let mean: Tensor, variance: Tensor;
  if (training || !runningMean || !runningVar) {
    const count = x.size / C;
    if (training && count <= 1) throw new ValueError(`batchNorm: training needs more than one value per channel, got input ${fmtShape(x.shape)}; use a larger batch or eval()`);
    mean = x.mean(dims, true);
    variance = x.var(dims, { correction: 0, keepdim: true });
    if (training && runningMean && runningVar) {
      noGrad(() => {
        runningMean.mul_(1 - momentum).add_(mean.reshape(C).mul(momentum));
        runningVar.mul_(1 - momentum).add_(variance.reshape(C).mul((momentum * count) / (count - 1)));
      });
    }
  } else {
    mean = runningMean.reshape(perChannel);
    variance = runningVar.reshape(perChannel);
  }
  let y = x.sub(mean).div(variance.add(eps).sqrt());
  if (weight) y = y.mul(weight.reshape(perChannel));
  if (bias) y = y.add(bias.reshape(perChannel));
  return y;
}
