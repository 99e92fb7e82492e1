import { backend } from '../backend/registry.js';
import type { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions, checkRange } from '../validate.js';
import { Optimizer } from './optimizer.js';

export interface MomentumOptions {
  /** The learning rate α. */
  lr: number;
  /** β, the decay of the velocity's average (default 0.9, the course's). */
  beta?: number;
  /** L2 penalty added to the gradient first: dW + weightDecay·W (default 0). */
  weightDecay?: number;
}

/**
 * Gradient descent with momentum as the course writes it: the velocity is an exponentially
 * weighted average of the gradients that starts at zero, v = β·v + (1 − β)·dW (so the first step
 * is v = (1 − β)·dW), then W := W − α·v. No bias correction, as in the course.
 *
 * PyTorch's momentum differs: `SGD({ momentum: β })` accumulates v = β·v + dW, which steps about
 * 1/(1 − β) = 10× further at the same α; `SGD({ momentum: β, dampening: β })` averages like this
 * but starts at v = dW.
 * @example new optim.Momentum(model.parameters(), { lr: 0.1, beta: 0.9 })
 */
export class Momentum extends Optimizer<Required<MomentumOptions>> {
  constructor(params: Iterable<Tensor>, options: MomentumOptions) {
    checkOptions('Momentum', options, ['lr', 'beta', 'weightDecay']);
    super(params, { beta: 0.9, weightDecay: 0, ...options });
  }

  protected override validate(o: Required<MomentumOptions>): void {
    super.validate(o);
    checkRange('Momentum', 'beta', o.beta, { min: 0, max: 1, maxOpen: true });
    checkRange('Momentum', 'weightDecay', o.weightDecay, { min: 0 });
  }

  protected update(p: Tensor, grad: Storage, s: Record<string, Storage | number>): void {
    const { lr, beta, weightDecay } = this.options;
    s.step = (s.step as number) + 1;
    // SGD's kernel with dampening β, never taking its first-step shortcut (v = g): from the zeroed
    // buffer, v = β·0 + (1 − β)·dW is the course's first step.
    backend().sgdStep(p.storage, grad, this.buffer(p, s, 'velocity'), { lr, momentum: beta, dampening: beta, nesterov: false, weightDecay, first: false });
  }
}
