import { ValueError } from '../errors.js';
import { backend } from '../backend/registry.js';
import type { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions, checkRange } from '../validate.js';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  /** The decays β₁ and β₂ of the first and second moment averages, as a pair (default [0.9, 0.999]). */
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam with bias correction: v = β₁v + (1−β₁)g, s = β₂s + (1−β₂)g², v̂ = v/(1−β₁ᵗ),
 * ŝ = s/(1−β₂ᵗ), W −= lr·v̂/(√ŝ + ε). Defaults are PyTorch's and the course's
 * (lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8). `weightDecay` adds an L2 term to the gradient.
 * @example new optim.Adam(model.parameters(), { lr: 1e-3 })
 */
export class Adam extends Optimizer<Required<AdamOptions>> {
  /** AdamW applies weight decay to the weights directly instead of through the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    checkOptions(new.target.name, options, ['lr', 'betas', 'eps', 'weightDecay']);
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...options });
  }

  protected override validate(o: Required<AdamOptions>): void {
    super.validate(o);
    const name = this.constructor.name;
    if (!Array.isArray(o.betas) || o.betas.length !== 2) {
      throw new ValueError(`${name}: betas must be a pair [β₁, β₂] such as [0.9, 0.999], got ${JSON.stringify(o.betas)}`);
    }
    checkRange(name, 'betas[0]', o.betas[0], { min: 0, max: 1, maxOpen: true });
    checkRange(name, 'betas[1]', o.betas[1], { min: 0, max: 1, maxOpen: true });
    checkRange(name, 'eps', o.eps, { min: 0 });
    checkRange(name, 'weightDecay', o.weightDecay, { min: 0 });
  }

  protected update(p: Tensor, grad: Storage, s: Record<string, Storage | number>): void {
    const t = (s.step as number) + 1;
    s.step = t;
    const { lr, betas, eps, weightDecay } = this.options;
    backend().adamStep(p.storage, grad, this.buffer(p, s, 'expAvg'), this.buffer(p, s, 'expAvgSq'), {
      lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, decoupled: this.decoupled, t,
    });
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter): W −= lr·λ·W, then the Adam step. Default λ 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled = true;
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, { weightDecay: 0.01, ...options });
  }
}
