import { backend } from '../backend/registry.js';
import type { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions, checkRange } from '../validate.js';
import { Optimizer } from './optimizer.js';

export interface RMSpropOptions {
  lr?: number;
  /** The course's β₂: the decay of the running average of g². */
  alpha?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
}

/**
 * RMSprop: S = α·S + (1 − α)·g², W −= lr·g/(√S + ε). Defaults are PyTorch's (lr 0.01, α 0.99,
 * ε 1e-8).
 */
export class RMSprop extends Optimizer<Required<RMSpropOptions>> {
  constructor(params: Iterable<Tensor>, options: RMSpropOptions = {}) {
    checkOptions('RMSprop', options, ['lr', 'alpha', 'eps', 'momentum', 'weightDecay']);
    super(params, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0, ...options });
  }

  protected override validate(o: Required<RMSpropOptions>): void {
    super.validate(o);
    checkRange('RMSprop', 'alpha', o.alpha, { min: 0, max: 1, maxOpen: true });
    checkRange('RMSprop', 'eps', o.eps, { min: 0 });
    checkRange('RMSprop', 'momentum', o.momentum, { min: 0, max: 1, maxOpen: true });
    checkRange('RMSprop', 'weightDecay', o.weightDecay, { min: 0 });
  }

  protected update(p: Tensor, grad: Storage, s: Record<string, Storage | number>): void {
    s.step = (s.step as number) + 1;
    const sq = this.buffer(p, s, 'squareAvg');
    const buf = this.options.momentum > 0 ? this.buffer(p, s, 'momentumBuffer') : null;
    backend().rmspropStep(p.storage, grad, sq, buf, this.options);
  }
}
