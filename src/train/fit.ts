import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { l2Penalty, resolveLoss } from '../nn/losses.js';
import type { LossFn, LossName } from '../nn/losses.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/schedules.js';
import { cat } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInt, checkRange } from '../validate.js';
import type { Callback, Logs, TrainContext } from './callbacks.js';
import { DataLoader } from './data-loader.js';
import { TensorDataset } from './dataset.js';
import { checkMetric, countCorrect } from './metrics.js';
import type { MetricName } from './metrics.js';

export interface FitOptions {
  epochs: number;
  optimizer: Optimizer<{ lr: number }>;
  /** A loss name (`'mseLoss'`, `'binaryCrossEntropy'`, `'binaryCrossEntropyWithLogits'`, `'crossEntropy'`, `'nllLoss'`) or function. */
  loss: LossName | LossFn;
  /** `'full'`, 1, or k examples per step (default 32). */
  batchSize?: number | 'full';
  /** Metrics to log besides the loss. */
  metrics?: MetricName[];
  /** Evaluated at the end of every epoch: logs `valLoss` and `val<Metric>`. */
  validationData?: TensorDataset;
  /** Reshuffle the training set every epoch (default true). */
  shuffle?: boolean;
  /** The course's L2 regularisation λ: adds λ/(2m)·Σ‖W‖² to each batch's cost (m = batch size). */
  l2?: number;
  /** Stepped once after every epoch. */
  scheduler?: LRScheduler;
  callbacks?: Callback[];
}

export interface FitResult {
  /** Each logged quantity, one value per epoch. */
  history: Record<string, number[]>;
  /** Epochs actually run. */
  epochs: number;
  /** Whether a callback stopped training early. */
  stoppedEarly: boolean;
}

const valKey = (k: string): string => `val${k[0]!.toUpperCase()}${k.slice(1)}`;

/**
 * Trains `model` on `data` for a number of epochs, Keras-style, and returns the history.
 * A NaN or infinite loss stops training with an error naming the epoch and batch.
 * @example
 * const { history } = await kiln.fit(model, train, { epochs: 20, batchSize: 32, optimizer: opt,
 *   loss: 'crossEntropy', metrics: ['accuracy'], validationData: test });
 */
export async function fit(model: Module, data: TensorDataset, options: FitOptions): Promise<FitResult> {
  const epochs = checkInt('fit', 'epochs', options.epochs);
  if (!(data instanceof TensorDataset)) throw new ValueError('fit: data must be a TensorDataset (new kiln.TensorDataset(x, y))');
  if (!options.optimizer) throw new ValueError('fit: pass an optimizer, e.g. new kiln.optim.SGD(model.parameters(), { lr: 0.1 })');
  const lossFn = resolveLoss(options.loss, 'fit');
  const fromLogits = options.loss === 'binaryCrossEntropyWithLogits';
  const metrics = (options.metrics ?? []).map((m) => checkMetric(m, 'fit'));
  const l2 = options.l2 === undefined ? 0 : checkRange('fit', 'l2', options.l2, { min: 0 });
  const loader = new DataLoader(data, { batchSize: options.batchSize, shuffle: options.shuffle ?? true });
  const callbacks = options.callbacks ?? [];
  const ctx: TrainContext = { model, optimizer: options.optimizer, epochs, batchesPerEpoch: loader.length, stopTraining: false };
  const history: Record<string, number[]> = {};
  const log = (logs: Logs): void => { for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v); };

  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  let epoch = 0;
  let last: Logs = {};
  for (; epoch < epochs && !ctx.stopTraining; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
    model.train();
    let lossSum = 0;
    let seen = 0;
    const correct = metrics.map(() => 0);
    let batch = 0;
    for (const { x, y } of loader) {
      const out = model.forward(x);
      let loss = lossFn(out, y);
      if (loss.size !== 1) throw new ShapeError(`fit: the loss must be a scalar, got ${fmtShape(loss.shape)}; use a 'mean' or 'sum' reduction`);
      if (l2 > 0) loss = loss.add(l2Penalty(model, l2, x.shape[0]!));
      const value = loss.item();
      if (!Number.isFinite(value)) {
        throw new ValueError(`fit: the loss became ${value} at epoch ${epoch + 1}, batch ${batch + 1}; lower the learning rate (now ${options.optimizer.lr}), scale the inputs, or use a stable loss such as binaryCrossEntropyWithLogits`);
      }
      options.optimizer.zeroGrad();
      loss.backward();
      options.optimizer.step();

      const m = x.shape[0]!;
      lossSum += value * m;
      seen += m;
      metrics.forEach((name, i) => { correct[i]! += countCorrect(name, out, y, fromLogits); });
      if (callbacks.length) {
        const logs: Logs = { loss: value };
        for (const cb of callbacks) await cb.onBatchEnd?.(batch, logs, ctx);
      }
      batch++;
    }
    const logs: Logs = { loss: lossSum / seen };
    metrics.forEach((name, i) => { logs[name] = correct[i]! / seen; });
    if (options.validationData) {
      const v = evaluate(model, options.validationData, { loss: options.loss, metrics });
      for (const [k, value] of Object.entries(v)) logs[valKey(k)] = value;
    }
    logs.lr = options.optimizer.lr;
    log(logs);
    last = logs;
    options.scheduler?.step();
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(last, ctx);
  model.train();
  return { history, epochs: epoch, stoppedEarly: ctx.stopTraining };
}

export interface EvaluateOptions {
  loss: LossName | LossFn;
  metrics?: MetricName[];
  batchSize?: number | 'full';
}

/** Runs `fn` with the model in eval mode and without the tape, then restores the mode. */
function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}

/**
 * The loss and metrics of `model` on a dataset, in eval mode (no dropout) without recording a graph.
 * @example kiln.evaluate(model, test, { loss: 'crossEntropy', metrics: ['accuracy'] })  // { loss, accuracy }
 */
export function evaluate(model: Module, data: TensorDataset, options: EvaluateOptions): Logs {
  const lossFn = resolveLoss(options.loss, 'evaluate');
  const metrics = (options.metrics ?? []).map((m) => checkMetric(m, 'evaluate'));
  const fromLogits = options.loss === 'binaryCrossEntropyWithLogits';
  return inEvalMode(model, () => {
    let lossSum = 0;
    let seen = 0;
    const correct = metrics.map(() => 0);
    for (const { x, y } of new DataLoader(data, { batchSize: options.batchSize ?? 'full' })) {
      const out = model.forward(x);
      const m = x.shape[0]!;
      lossSum += lossFn(out, y).item() * m;
      seen += m;
      metrics.forEach((name, i) => { correct[i]! += countCorrect(name, out, y, fromLogits); });
    }
    const logs: Logs = { loss: lossSum / seen };
    metrics.forEach((name, i) => { logs[name] = correct[i]! / seen; });
    return logs;
  });
}

/**
 * The model's outputs for `x`, in eval mode without recording a graph, batch by batch.
 * @example kiln.predict(model, kiln.tensor([[0.5], [1.2]]))
 */
export function predict(model: Module, x: Tensor, options: { batchSize?: number } = {}): Tensor {
  const n = x.shape[0] ?? 1;
  const batchSize = checkInt('predict', 'batchSize', options.batchSize ?? Math.max(n, 1));
  return inEvalMode(model, () => {
    if (batchSize >= n) return model.forward(x);
    const parts: Tensor[] = [];
    for (let s = 0; s < n; s += batchSize) parts.push(model.forward(x.narrow(0, s, Math.min(batchSize, n - s))));
    return cat(parts, 0);
  });
}
