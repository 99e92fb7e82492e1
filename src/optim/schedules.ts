import { FormatError } from '../errors.js';
import { checkInt, checkRange } from '../validate.js';
import type { Optimizer } from './optimizer.js';

export interface SchedulerState {
  type: string;
  epoch: number;
  baseLr: number;
}

/**
 * Learning-rate decay. Call `step()` once per epoch, after the optimiser's steps; the optimiser's
 * lr becomes `lrAt(epoch)` for the new epoch.
 */
export abstract class LRScheduler {
  /** Epochs completed. */
  epoch = 0;
  /** α₀: the optimiser's lr when the schedule was made. */
  baseLr: number;

  constructor(readonly optimizer: Optimizer<{ lr: number }>) {
    this.baseLr = optimizer.lr;
  }

  /** The learning rate for a given epoch number (0 is the first). */
  abstract lrAt(epoch: number): number;

  step(): void {
    this.epoch++;
    this.optimizer.lr = this.lrAt(this.epoch);
  }

  /** The learning rate in use now. */
  getLastLr(): number {
    return this.optimizer.lr;
  }

  stateDict(): SchedulerState {
    return { type: this.constructor.name, epoch: this.epoch, baseLr: this.baseLr };
  }

  loadStateDict(sd: SchedulerState): void {
    if (sd?.type !== this.constructor.name) throw new FormatError(`${this.constructor.name}.loadStateDict: the state is from ${sd?.type ?? 'nothing'}`);
    this.epoch = checkInt(sd.type, 'epoch', sd.epoch, 0);
    this.baseLr = checkRange(sd.type, 'baseLr', sd.baseLr, { min: 0 });
    this.optimizer.lr = this.lrAt(this.epoch);
  }
}

/** The course's decay: α = α₀ / (1 + decayRate·epoch). */
export class InverseTimeLR extends LRScheduler {
  readonly decayRate: number;
  constructor(optimizer: Optimizer<{ lr: number }>, { decayRate }: { decayRate: number }) {
    super(optimizer);
    this.decayRate = checkRange('InverseTimeLR', 'decayRate', decayRate, { min: 0 });
  }
  lrAt(epoch: number): number { return this.baseLr / (1 + this.decayRate * epoch); }
}

/** Exponential decay: α = γ^epoch · α₀ (the course's 0.95^epoch · α₀ is γ = 0.95). */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: Optimizer<{ lr: number }>, { gamma }: { gamma: number }) {
    super(optimizer);
    this.gamma = checkRange('ExponentialLR', 'gamma', gamma, { min: 0, max: 1, minOpen: true });
  }
  lrAt(epoch: number): number { return this.baseLr * Math.pow(this.gamma, epoch); }
}

/** Step decay: α = γ^⌊epoch/stepSize⌋ · α₀. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer<{ lr: number }>, { stepSize, gamma = 0.1 }: { stepSize: number; gamma?: number }) {
    super(optimizer);
    this.stepSize = checkInt('StepLR', 'stepSize', stepSize);
    this.gamma = checkRange('StepLR', 'gamma', gamma, { min: 0, max: 1, minOpen: true });
  }
  lrAt(epoch: number): number { return this.baseLr * Math.pow(this.gamma, Math.floor(epoch / this.stepSize)); }
}

/** Cosine annealing from α₀ down to `etaMin` over `tMax` epochs: α = η + (α₀ − η)(1 + cos(π·epoch/tMax))/2. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer<{ lr: number }>, { tMax, etaMin = 0 }: { tMax: number; etaMin?: number }) {
    super(optimizer);
    this.tMax = checkInt('CosineAnnealingLR', 'tMax', tMax);
    this.etaMin = checkRange('CosineAnnealingLR', 'etaMin', etaMin, { min: 0 });
  }
  lrAt(epoch: number): number {
    const t = Math.min(epoch, this.tMax);
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}
