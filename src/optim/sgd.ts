import { ValueError } from '../errors.js';
import { backend } from '../backend/registry.js';
import type { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions, checkRange } from '../validate.js';
import { Optimizer } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  /** β of momentum (0: plain gradient descent). */
  momentum?: number;
  /** Damps the gradient's share of the velocity: v = β·v + (1 − dampening)·g. */
  dampening?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient: g + weightDecay·W. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, PyTorch's rule: with momentum, v = β·v + (1 − dampening)·g and
 * W −= lr·v (v = g on the first step). The course's momentum v = β·v + (1 − β)·dW is
 * `{ momentum: β, dampening: β }` (PyTorch starts v at g where the course starts it at (1 − β)·g).
 * Batch, mini-batch or stochastic descent is the DataLoader's batch size, not the optimiser.
 * @example new optim.SGD(model.parameters(), { lr: 0.03 })
 */
export class SGD extends Optimizer<Required<SGDOptions>> {
  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
    super(params, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...options });
  }

  protected override validate(o: Required<SGDOptions>): void {
    super.validate(o);
    checkRange('SGD', 'momentum', o.momentum, { min: 0, max: 1, maxOpen: true });
    checkRange('SGD', 'dampening', o.dampening, { min: 0, max: 1 });
    checkRange('SGD', 'weightDecay', o.weightDecay, { min: 0 });
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new ValueError('SGD: nesterov needs momentum > 0 and dampening 0');
  }

  protected update(p: Tensor, grad: Storage, s: Record<string, Storage | number>): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = this.options;
    const first = s.step === 0;
    s.step = (s.step as number) + 1;
    const buf = momentum > 0 ? this.buffer(p, s, 'momentumBuffer') : null;
    backend().sgdStep(p.storage, grad, buf, { lr, momentum, dampening, nesterov, weightDecay, first });
  }
}
