import { noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInt, checkOneOf, checkOptions, checkRange } from '../validate.js';

/** Numbers describing one batch or epoch: `loss`, `accuracy`, `valLoss`, `valAccuracy`, `lr`… */
export type Logs = Record<string, number>;

/** What a callback can see and steer during `fit`. */
export interface TrainContext {
  readonly model: Module;
  readonly optimizer: Optimizer<{ lr: number }>;
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  /** Set to true to stop after the current epoch (early stopping does). */
  stopTraining: boolean;
}

/** Hooks called by `fit`; each may be async. Epochs and batches count from 0. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctx: TrainContext): void | Promise<void>;
}

export interface EarlyStoppingOptions {
  /** The log to watch (default `valLoss`). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** `min` for losses, `max` for accuracies; by default `max` when the name mentions accuracy. */
  mode?: 'min' | 'max';
  /** Put back the weights of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when a monitored quantity has not improved for `patience` epochs.
 * @example await kiln.fit(model, train, { …, validationData: test, callbacks: [new kiln.EarlyStopping({ patience: 3 })] })
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  /** The epoch at which training was stopped, or null. */
  stoppedEpoch: number | null = null;
  best = NaN;
  private wait = 0;
  private bestWeights: Float64Array[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    checkOptions('EarlyStopping', options, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
    this.monitor = options.monitor ?? 'valLoss';
    this.patience = checkInt('EarlyStopping', 'patience', options.patience ?? 5, 0);
    this.minDelta = checkRange('EarlyStopping', 'minDelta', options.minDelta ?? 0, { min: 0 });
    this.mode = checkOneOf('EarlyStopping', 'mode', options.mode ?? (/acc/i.test(this.monitor) ? 'max' : 'min'), ['min', 'max']);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.wait = 0;
    this.stoppedEpoch = null;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new ValueError(`EarlyStopping: no "${this.monitor}" in the logs (have ${Object.keys(logs).join(', ')}); pass validationData to fit or monitor "loss"`);
    }
    const improved = Number.isNaN(this.best) || (this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (improved) {
      this.best = value;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = ctx.model.parameters().map((p) => Float64Array.from(p.values));
    } else if (++this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(_logs: Logs, ctx: TrainContext): void {
    if (this.stoppedEpoch === null || !this.bestWeights) return;
    const weights = this.bestWeights;
    noGrad(() => ctx.model.parameters().forEach((p: Tensor, i) => p.values.set(weights[i]!)));
  }
}
