import { FormatError } from '../errors.js';
import { checkInt, checkOptions, checkRange } from '../validate.js';
import type { Optimizer } from './optimizer.js';

export interface SchedulerState {
  type: string;
  epoch: number;
  baseLr: number;
}

/**
 * Learning-rate decay. Epochs are numbered as the course numbers them, from 1: `lrAt(1)` is the
 * rate of the first epoch, `lrAt(2)` of the second. The schedule sets the optimiser's lr to
 * `lrAt(1)` when it is made, and `step()`, called once after each epoch (fit does), sets it to the
 * next epoch's. α₀, the optimiser's lr when the schedule was made, is `baseLr`.
 */
export abstract class LRScheduler {
  /** Epochs completed: the optimiser's lr is `lrAt(epoch + 1)`, the rate of the epoch to come. */
  epoch = 0;
  /** α₀: the optimiser's lr when the schedule was made. */
  baseLr: number;

  constructor(readonly optimizer: Optimizer<{ lr: number }>) {
    this.baseLr = optimizer.lr;
  }

  /** The learning rate of epoch `epochNum`, counted from 1 (the course's epoch_num). */
  abstract lrAt(epochNum: number): number;

  /** Puts the first epoch's rate in the optimiser: each subclass's constructor ends with it. */
  protected start(): void {
    this.optimizer.lr = this.lrAt(1);
  }

  /** After an epoch: the optimiser gets the next epoch's rate. */
  step(): void {
    this.epoch++;
    this.optimizer.lr = this.lrAt(this.epoch + 1);
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
    this.optimizer.lr = this.lrAt(this.epoch + 1);
  }
}

/**
 * The course's decay: α = α₀ / (1 + decayRate·epoch_num), epochs from 1. With α₀ = 0.2 and
 * decayRate 1, epochs 1 to 4 train at 0.1, 0.067, 0.05 and 0.04, as in the course's table.
 * @example const schedule = new optim.InverseTimeLR(opt, { decayRate: 1 });   // pass to fit as scheduler
 */
export class InverseTimeLR extends LRScheduler {
  readonly decayRate: number;
  constructor(optimizer: Optimizer<{ lr: number }>, options: { decayRate: number }) {
    super(optimizer);
    checkOptions('InverseTimeLR', options, ['decayRate']);
    this.decayRate = checkRange('InverseTimeLR', 'decayRate', options.decayRate, { min: 0 });
    this.start();
  }
  lrAt(epochNum: number): number { return this.baseLr / (1 + this.decayRate * epochNum); }
}

/** The course's exponential decay: α = base^epoch_num · α₀ (the course's 0.95^epoch_num · α₀), epochs from 1. */
export class ExponentialDecayLR extends LRScheduler {
  readonly base: number;
  constructor(optimizer: Optimizer<{ lr: number }>, options: { base: number }) {
    super(optimizer);
    checkOptions('ExponentialDecayLR', options, ['base']);
    this.base = checkRange('ExponentialDecayLR', 'base', options.base, { min: 0, max: 1, minOpen: true });
    this.start();
  }
  lrAt(epochNum: number): number { return this.baseLr * Math.pow(this.base, epochNum); }
}

/** The course's k/√epoch_num · α₀ decay, epochs from 1 (k = 1 starts at α₀). */
export class InverseSqrtLR extends LRScheduler {
  readonly k: number;
  constructor(optimizer: Optimizer<{ lr: number }>, options: { k?: number } = {}) {
    super(optimizer);
    checkOptions('InverseSqrtLR', options, ['k']);
    this.k = checkRange('InverseSqrtLR', 'k', options.k ?? 1, { min: 0, minOpen: true });
    this.start();
  }
  lrAt(epochNum: number): number { return (this.k / Math.sqrt(epochNum)) * this.baseLr; }
}

/**
 * PyTorch's exponential decay: the first epoch at α₀, then α = γ^(epoch_num − 1) · α₀. (The course's
 * 0.95^epoch_num · α₀ starts one factor lower: `ExponentialDecayLR`.)
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: Optimizer<{ lr: number }>, options: { gamma: number }) {
    super(optimizer);
    checkOptions('ExponentialLR', options, ['gamma']);
    this.gamma = checkRange('ExponentialLR', 'gamma', options.gamma, { min: 0, max: 1, minOpen: true });
    this.start();
  }
  lrAt(epochNum: number): number { return this.baseLr * Math.pow(this.gamma, epochNum - 1); }
}

/**
 * The course's discrete staircase (PyTorch's StepLR): `stepSize` epochs at each rate, each stair
 * γ times the one before: α = γ^⌊(epoch_num − 1)/stepSize⌋ · α₀.
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer<{ lr: number }>, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkOptions('StepLR', options, ['stepSize', 'gamma']);
    this.stepSize = checkInt('StepLR', 'stepSize', options.stepSize);
    this.gamma = checkRange('StepLR', 'gamma', options.gamma ?? 0.1, { min: 0, max: 1, minOpen: true });
    this.start();
  }
  lrAt(epochNum: number): number { return this.baseLr * Math.pow(this.gamma, Math.floor((epochNum - 1) / this.stepSize)); }
}

/** PyTorch's cosine annealing from α₀ down to `etaMin` over `tMax` epochs: α = η + (α₀ − η)(1 + cos(π·(epoch_num − 1)/tMax))/2. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer<{ lr: number }>, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    this.tMax = checkInt('CosineAnnealingLR', 'tMax', options.tMax);
    this.etaMin = checkRange('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, { min: 0 });
    this.start();
  }
  lrAt(epochNum: number): number {
    const t = Math.min(epochNum - 1, this.tMax);
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}
