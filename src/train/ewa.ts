import { ValueError } from '../errors.js';
import { checkOptions, checkRange } from '../validate.js';

export interface EwaOptions {
  /** β: how much of the running average each step keeps (0.9 averages over about 1/(1 − β) = 10 values). */
  beta: number;
  /** Divide by (1 − βᵗ) so the first values are not pulled towards the zero start (default true). */
  biasCorrection?: boolean;
}

/**
 * The course's exponentially weighted average of a series: v₀ = 0, v_t = β·v_{t−1} + (1 − β)·θ_t,
 * and with bias correction v_t / (1 − βᵗ). It averages over roughly the last 1/(1 − β) values:
 * β = 0.9 about 10, 0.98 about 50 (smoother, later), 0.5 about 2 (noisier). Momentum, RMSprop and
 * Adam are this average applied to the gradients.
 * @example kiln.exponentiallyWeightedAverage([40, 49, 45, 44], { beta: 0.9 })
 */
export function exponentiallyWeightedAverage(series: readonly number[], options: EwaOptions): number[] {
  checkOptions('exponentiallyWeightedAverage', options, ['beta', 'biasCorrection']);
  const beta = checkRange('exponentiallyWeightedAverage', 'beta', options.beta, { min: 0, max: 1, maxOpen: true });
  const correct = options.biasCorrection ?? true;
  if (!Array.isArray(series)) throw new ValueError('exponentiallyWeightedAverage: series must be an array of numbers');
  let v = 0;
  return series.map((theta, i) => {
    if (typeof theta !== 'number' || !Number.isFinite(theta)) {
      throw new ValueError(`exponentiallyWeightedAverage: value ${i} is ${String(theta)}; the series must be finite numbers`);
    }
    v = beta * v + (1 - beta) * theta;
    return correct ? v / (1 - beta ** (i + 1)) : v;
  });
}
