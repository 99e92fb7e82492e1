import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { l1Penalty, l2Penalty, resolveLoss } from '../nn/losses.js';
import type { LossFn, LossName } from '../nn/losses.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/schedules.js';
import { cat } from '../ops/shape.js';
import { onCurrentBackend } from '../tensor/tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInt, checkOptions, checkRange } from '../validate.js';
import { fuse } from '../nn/fuse.js';
import { beginTracking, endTracking, releaseStorages, trackAllocations } from '../tensor/storage.js';
import type { Storage } from '../tensor/storage.js';
import type { Callback, Logs, TrainContext } from './callbacks.js';
import { DataLoader, batchOf } from './data-loader.js';
import type { Batch, BatchRange } from './data-loader.js';
import { DenseStep } from './dense-step.js';
import { TensorDataset } from './dataset.js';
import { checkMetric, correctIn } from './metrics.js';
import type { MetricName } from './metrics.js';
import { Yielder } from './yield.js';
import { checkCheckpointer, encodeCheckpoint, restoreCheckpoint } from './checkpoint.js';
import { readableState } from '../io/model-file.js';
import type { Checkpointer } from './checkpoint.js';
import { defaultGenerator } from '../tensor/random.js';
import { backend } from '../backend/registry.js';
import { zeros } from '../tensor/creation.js';
import type { YieldEvery } from './yield.js';

export interface FitOptions {
  /** The epoch (counted from 0) to stop before: with `initialEpoch`, epochs initialEpoch … epochs − 1 run. */
  epochs: number;
  /**
   * The epoch to start at (default 0), as Keras's initial_epoch: a loop that calls fit one epoch at
   * a time (`{ initialEpoch: e, epochs: e + 1 }`) gets its epochs' numbers in logs, callbacks and errors.
   */
  initialEpoch?: number;
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
  /** The course's L2 regularisation λ: adds λ/(2m)·Σ‖W[l]‖² to each batch's cost (m = batch size). */
  l2?: number;
  /** L1 regularisation λ: adds λ/(2m)·Σ‖W[l]‖₁ to each batch's cost. */
  l1?: number;
  /** Stepped once after every epoch. */
  scheduler?: LRScheduler;
  callbacks?: Callback[];
  /** Called after every batch with its loss: a page can draw from it. Epochs and batches count from 0. */
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  /** Called after every epoch with its logs (`loss`, metrics, `val…`, `lr`). */
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  /**
   * When to hand the thread back to the event loop (default `'auto'`: every 10 ms, so a page keeps
   * drawing at 60 Hz while it trains; in Node.js the yields cost nothing measurable).
   */
  yieldEvery?: YieldEvery;
  /** Stops training cleanly between two batches when aborted: `fit` resolves with the epochs done. */
  signal?: AbortSignal;
  /**
   * Saves the whole training state (weights, optimiser, schedule, epoch, history, the generator)
   * every `checkpoint.every` epochs, e.g. `checkpointDir('ckpt')` from `kiln-ml/node`.
   */
  checkpoint?: Checkpointer;
  /** Go on from the checkpoint's last save, when there is one: a run killed and resumed ends as if uninterrupted. */
  resume?: boolean;
  /**
   * Runs the model through fused ops where they apply (`nn.fuse`; default true): same results,
   * faster. A model that is one run of small Linear → activation pairs, trained with mseLoss on the
   * CPU (the beans network), then trains with fit's dense step: the same arithmetic without tensors.
   */
  fuse?: boolean;
}

const FIT_OPTIONS = ['epochs', 'initialEpoch', 'optimizer', 'loss', 'batchSize', 'metrics', 'validationData', 'shuffle', 'l2', 'l1', 'scheduler', 'callbacks', 'onBatchEnd', 'onEpochEnd', 'yieldEvery', 'signal', 'checkpoint', 'resume', 'fuse'] as const;

export interface FitResult {
  /** Each logged quantity, one value per epoch. */
  history: Record<string, number[]>;
  /** The epoch training stopped before: `epochs` unless it stopped early (counted from 0, so with no initialEpoch, the epochs run). */
  epochs: number;
  /** Whether training stopped before `epochs`: a callback (early stopping) or the signal stopped it. */
  stoppedEarly: boolean;
  /** Whether the AbortSignal stopped it; the history then holds the epochs finished before. */
  aborted: boolean;
}

const valKey = (k: string): string => `val${k[0]!.toUpperCase()}${k.slice(1)}`;

/**
 * Trains `model` on `data` for a number of epochs, Keras-style, and returns the history.
 * A NaN or infinite loss stops training with an error naming the epoch and batch. It yields to
 * the event loop as it goes (`yieldEvery`), so a page that trains on its main thread keeps drawing;
 * `onBatchEnd`/`onEpochEnd` report progress and an AbortSignal stops it between two batches.
 * @example
 * const stop = new AbortController();                       // stop.abort() from a button
 * const { history } = await kiln.fit(model, train, { epochs: 20, batchSize: 32, optimizer: opt,
 *   loss: 'crossEntropy', metrics: ['accuracy'], validationData: test,
 *   onEpochEnd: (epoch, logs) => draw(epoch, logs.loss), signal: stop.signal });
 */
export async function fit(model: Module, data: TensorDataset, options: FitOptions): Promise<FitResult> {
  checkOptions('fit', options, FIT_OPTIONS);
  const epochs = checkInt('fit', 'epochs', options.epochs);
  const initialEpoch = options.initialEpoch === undefined ? 0 : checkInt('fit', 'initialEpoch', options.initialEpoch, 0);
  if (initialEpoch > epochs) throw new ValueError(`fit: initialEpoch ${initialEpoch} is past epochs ${epochs}; epochs is the epoch to stop before, so pass epochs: ${initialEpoch} + the number to train`);
  if (!(data instanceof TensorDataset)) throw new ValueError('fit: data must be a TensorDataset (new kiln.TensorDataset(x, y))');
  if (data.length === 0) throw new ValueError('fit: the dataset is empty; there is nothing to train on');
  if (!options.optimizer) throw new ValueError('fit: pass an optimizer, e.g. new kiln.optim.SGD(model.parameters(), { lr: 0.1 })');
  const lossFn = resolveLoss(options.loss, 'fit');
  const fromLogits = options.loss === 'binaryCrossEntropyWithLogits';
  const metrics = (options.metrics ?? []).map((m) => checkMetric(m, 'fit'));
  const l2 = options.l2 === undefined ? 0 : checkRange('fit', 'l2', options.l2, { min: 0 });
  const l1 = options.l1 === undefined ? 0 : checkRange('fit', 'l1', options.l1, { min: 0 });
  const loader = new DataLoader(data, { batchSize: options.batchSize, shuffle: options.shuffle ?? true });
  const callbacks = [...(options.callbacks ?? []), ...progressCallbacks(options)];
  // Only these are called (and awaited) every batch, and only for them is a batch's loss read on a
  // GPU: a callback of epochs alone (a progress bar) costs neither a turn of the event loop per
  // step nor a wait on the GPU.
  const batchCallbacks = callbacks.filter((cb) => cb.onBatchEnd);
  const yielder = new Yielder(options.yieldEvery, 'fit');
  const signal = checkSignal(options.signal, 'fit');
  if (options.fuse !== false) fuse(model);
  // Where the model is one small dense stack trained with mseLoss on the CPU, its steps run without tensors.
  const denseStep = options.fuse === false ? null : DenseStep.of(model, data, options.loss, metrics, l1 + l2);
  const ctx: TrainContext = { model, optimizer: options.optimizer, epochs, batchesPerEpoch: loader.length, stopTraining: false };
  let history: Record<string, number[]> = {};
  const log = (logs: Logs): void => { for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v); };
  const checkpoint = checkCheckpointer(options.checkpoint);
  let epoch = initialEpoch;
  if (options.resume) {
    if (!checkpoint) throw new ValueError('fit: resume needs a checkpoint to resume from (the checkpoint option)');
    const bytes = await checkpoint.load();
    if (bytes) {
      const state = restoreCheckpoint(bytes, model);
      options.optimizer.loadStateDict(state.optimizer);
      if (options.scheduler && state.scheduler) options.scheduler.loadStateDict(state.scheduler);
      defaultGenerator.setState(state.generator);
      history = structuredClone(state.history);
      epoch = Math.min(state.epoch, epochs);
    }
  }

  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  let last: Logs = {};
  let aborted = false;
  for (; epoch < epochs && !ctx.stopTraining; epoch++) {
    if (signal?.aborted) { aborted = true; break; }
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
    model.train();
    const totals = new EpochTotals(metrics.length);
    /** Each metric's correct count for the batch (one array for the epoch: it is read at once). */
    const batchCorrect: (number | Tensor)[] = new Array<number | Tensor>(metrics.length);
    let batch = 0;
    // On a GPU the dataset's examples are uploaded once (see onCurrentBackend), then batched there.
    const dataX = onCurrentBackend(data.x), dataY = onCurrentBackend(data.y);
    for (const range of loader.ranges()) {
      if (signal?.aborted) { aborted = true; break; }
      const m = range.end - range.start;
      let batchLoss: number;
      if (denseStep?.runs(m)) {
        // A small dense network on the CPU: the same step without tensors (train/dense-step.ts).
        batchLoss = denseStep.forward(range, batchCorrect);
        totals.addValue(batchLoss, m, batchCorrect);
        checkLoss(batchLoss, epoch, batch + 1, options.optimizer.lr);
        options.optimizer.zeroGrad();
        denseStep.backward();
        options.optimizer.step();
      } else {
        const { x, y, made } = trackedBatch(dataX, dataY, range);
        // The batch, the output and the loss are fit's alone: released after the step, with what
        // backward releases, so memory stays flat whether or not the garbage collector runs.
        const mark = beginTracking();
        let out: Tensor, loss: Tensor;
        try {
          out = model.forward(x);
          loss = lossFn(out, y);
          if (loss.size !== 1) throw new ShapeError(`fit: the loss must be a scalar, got ${fmtShape(loss.shape)}; use a 'mean' or 'sum' reduction`);
          if (l2 > 0) loss = loss.add(l2Penalty(model, l2, m));
          if (l1 > 0) loss = loss.add(l1Penalty(model, l1, m));
        } catch (e) {
          endTracking(mark);
          throw e;
        }
        // On the CPU the loss is read now; on a GPU it is added up there and read at the epoch's end
        // (or now, for callbacks that want every batch's loss), so the GPU is never waited on.
        for (let i = 0; i < metrics.length; i++) batchCorrect[i] = correctIn(metrics[i]!, out, y, fromLogits);
        const value = totals.add(loss, m, batchCorrect);
        const forwardMade = endTracking(mark);
        batchLoss = value ?? (batchCallbacks.length ? await loss.itemAsync() : NaN);
        if (value !== null) checkLoss(value, epoch, batch + 1, options.optimizer.lr);
        options.optimizer.zeroGrad();
        loss.backward();
        options.optimizer.step();

        releaseStorages(forwardMade);
        releaseStorages(made);
      }
      if (batchCallbacks.length) {
        const logs: Logs = { loss: batchLoss };
        for (const cb of batchCallbacks) await cb.onBatchEnd!(batch, logs, ctx);
      }
      batch++;
      if (yielder.due()) await yielder.yieldNow();
    }
    if (aborted) break; // a part of an epoch is not an epoch: its logs are not kept
    const { loss, correct, seen } = await totals.read();
    if (totals.device) checkLoss(loss, epoch, null, options.optimizer.lr);
    const logs: Logs = { loss: loss / seen };
    metrics.forEach((name, i) => { logs[name] = correct[i]! / seen; });
    if (options.validationData) {
      const v = await evaluate(model, options.validationData, { loss: options.loss, metrics, yieldEvery: options.yieldEvery }).catch((e: unknown) => {
        throw e instanceof ValueError ? new ValueError(`fit: at epoch ${epoch + 1}, on the validation data: ${e.message}`) : e;
      });
      for (const [k, value] of Object.entries(v)) logs[valKey(k)] = value;
    }
    logs.lr = options.optimizer.lr;
    log(logs);
    last = logs;
    options.scheduler?.step();
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
    if (checkpoint && (epoch + 1) % checkpoint.every === 0) {
      // Read asynchronously: on a GPU the weights and the optimiser's buffers come back first.
      await checkpoint.save(encodeCheckpoint(model, {
        epoch: epoch + 1, history, optimizer: await options.optimizer.stateDictAsync(),
        scheduler: options.scheduler?.stateDict() ?? null, generator: defaultGenerator.getState(),
      }, await readableState(model)));
    }
    await yielder.afterEpoch();
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(last, ctx);
  model.train();
  return { history, epochs: epoch, stoppedEarly: ctx.stopTraining || aborted, aborted };
}

/** The NaN-or-infinite-loss error of fit, naming the epoch (and the batch, where it is known). */
function checkLoss(value: number, epoch: number, batch: number | null, lr: number): void {
  if (Number.isFinite(value)) return;
  throw new ValueError(`fit: the loss became ${value} at epoch ${epoch + 1}${batch === null ? '' : `, batch ${batch}`}; lower the learning rate (now ${lr}), scale the inputs, or use a stable loss such as binaryCrossEntropyWithLogits`);
}

/**
 * An epoch's summed loss (Σ batch loss × batch size) and correct counts: numbers on the CPU; on a
 * GPU, one-element tensors there, added to in place by each batch and read once by `read()`.
 */
class EpochTotals {
  readonly device = backend().onDevice;
  private loss = 0;
  private readonly correct: number[];
  private lossOnDevice: Tensor | null = null;
  private correctOnDevice: Tensor[] = [];
  private seen = 0;

  constructor(metrics: number) {
    this.correct = new Array<number>(metrics).fill(0);
    if (this.device) {
      // Made here, outside the steps' release scopes: they live for the epoch.
      this.lossOnDevice = zeros([], { dtype: 'float32' });
      this.correctOnDevice = this.correct.map(() => zeros([], { dtype: 'float32' }));
    }
  }

  /** Adds a batch of m examples; returns its loss where it was read (the CPU), else null. */
  add(loss: Tensor, m: number, correct: (number | Tensor)[]): number | null {
    if (!this.device) {
      const value = loss.item();
      this.addValue(value, m, correct);
      return value;
    }
    this.seen += m;
    noGrad(() => {
      this.lossOnDevice!.add_(loss.detach().reshape([]).mul(m));
      correct.forEach((c, i) => { if (typeof c !== 'number') this.correctOnDevice[i]!.add_(c); });
    });
    return null;
  }

  /** Adds a batch of m examples whose loss and correct counts were read (on the CPU). */
  addValue(value: number, m: number, correct: (number | Tensor)[]): void {
    this.seen += m;
    this.loss += value * m;
    for (let i = 0; i < correct.length; i++) {
      const c = correct[i]!;
      if (typeof c === 'number') this.correct[i]! += c;
    }
  }

  async read(): Promise<{ loss: number; correct: number[]; seen: number }> {
    if (this.device) {
      this.loss = this.lossOnDevice ? await this.lossOnDevice.itemAsync() : 0;
      for (let i = 0; i < this.correct.length; i++) this.correct[i] = this.correctOnDevice[i] ? await this.correctOnDevice[i]!.itemAsync() : 0;
      // Read: their buffers go back to the pool now, not when the garbage collector gets to them.
      releaseStorages([this.lossOnDevice!, ...this.correctOnDevice].map((t) => t.storage));
    }
    return { loss: this.loss, correct: this.correct, seen: this.seen };
  }
}

/** fit's onBatchEnd/onEpochEnd options as a callback. */
function progressCallbacks(options: FitOptions): Callback[] {
  const { onBatchEnd, onEpochEnd } = options;
  for (const [name, fn] of [['onBatchEnd', onBatchEnd], ['onEpochEnd', onEpochEnd]] as const) {
    if (fn !== undefined && typeof fn !== 'function') throw new ValueError(`fit: ${name} must be a function (index, logs) => …, got ${typeof fn}`);
  }
  if (!onBatchEnd && !onEpochEnd) return [];
  return [{
    onBatchEnd: onBatchEnd && ((batch, logs) => onBatchEnd(batch, logs)),
    onEpochEnd: onEpochEnd && ((epoch, logs) => onEpochEnd(epoch, logs)),
  }];
}

/** An AbortSignal or nothing; anything else is refused (a misplaced controller is a common slip). */
function checkSignal(signal: unknown, op: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal) return signal;
  throw new ValueError(`${op}: signal must be an AbortSignal (controller.signal, not the controller), got ${Object.prototype.toString.call(signal)}`);
}

export interface EvaluateOptions {
  loss: LossName | LossFn;
  metrics?: MetricName[];
  /** Examples per forward pass (default `'full'`: one pass). */
  batchSize?: number | 'full';
  /** Called after every batch with its loss. */
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  /** When to hand the thread back to the event loop between batches (default `'auto'`). */
  yieldEvery?: YieldEvery;
  /** Rejects with the signal's reason (an AbortError) between two batches when aborted. */
  signal?: AbortSignal;
  /** Runs the model through fused ops where they apply (`nn.fuse`; default true). */
  fuse?: boolean;
}

export interface PredictOptions {
  /** Examples per forward pass (default all at once). */
  batchSize?: number;
  /** Called after every batch with `examples`, the number predicted so far. */
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  /** When to hand the thread back to the event loop between batches (default `'auto'`). */
  yieldEvery?: YieldEvery;
  /** Rejects with the signal's reason (an AbortError) between two batches when aborted. */
  signal?: AbortSignal;
  /** Runs the model through fused ops where they apply (`nn.fuse`; default true). */
  fuse?: boolean;
}

/** Runs `fn` with the model in eval mode and without the tape, then restores the mode. */
async function inEvalMode<T>(model: Module, fn: () => Promise<T>): Promise<T> {
  const wasTraining = model.training;
  model.eval();
  try {
    return await fn();
  } finally {
    model.train(wasTraining);
  }
}

/** The batch of x and y (the dataset on the current backend) that `range` names, with the storages making it allocated (none for the whole dataset as one batch). */
function trackedBatch(x: Tensor, y: Tensor, range: BatchRange): Batch & { made: readonly Storage[] } {
  const mark = beginTracking();
  let batch: Batch;
  try {
    batch = batchOf(x, y, range);
  } catch (e) {
    endTracking(mark);
    throw e;
  }
  return { x: batch.x, y: batch.y, made: endTracking(mark) };
}

/**
 * The loss and metrics of `model` on a dataset, in eval mode (no dropout) without recording a graph.
 * @example await kiln.evaluate(model, test, { loss: 'crossEntropy', metrics: ['accuracy'] })  // { loss, accuracy }
 */
export async function evaluate(model: Module, data: TensorDataset, options: EvaluateOptions): Promise<Logs> {
  checkOptions('evaluate', options, ['loss', 'metrics', 'batchSize', 'onBatchEnd', 'yieldEvery', 'signal', 'fuse']);
  if (options.fuse !== false) fuse(model);
  if (!(data instanceof TensorDataset)) throw new ValueError('evaluate: data must be a TensorDataset (new kiln.TensorDataset(x, y))');
  if (data.length === 0) throw new ValueError('evaluate: the dataset is empty; there is nothing to measure');
  const lossFn = resolveLoss(options.loss, 'evaluate');
  const metrics = (options.metrics ?? []).map((m) => checkMetric(m, 'evaluate'));
  const fromLogits = options.loss === 'binaryCrossEntropyWithLogits';
  const yielder = new Yielder(options.yieldEvery, 'evaluate');
  const signal = checkSignal(options.signal, 'evaluate');
  return inEvalMode(model, async () => {
    let lossSum = 0;
    let seen = 0;
    let batch = 0;
    const correct = metrics.map(() => 0);
    const dataX = onCurrentBackend(data.x), dataY = onCurrentBackend(data.y);
    for (const range of new DataLoader(data, { batchSize: options.batchSize ?? 'full' }).ranges()) {
      const { x, y, made } = trackedBatch(dataX, dataY, range);
      if (batch > 0 && yielder.due()) await yielder.yieldNow(); // between batches: none after the last
      signal?.throwIfAborted();
      // Read back per batch (one read each on a GPU; evaluate runs far fewer batches than fit).
      const [{ lossT, counts }, forwardMade] = trackAllocations(() => noGrad(() => {
        const out = model.forward(x);
        return { lossT: lossFn(out, y), counts: metrics.map((name) => correctIn(name, out, y, fromLogits)) };
      }));
      const loss = await lossT.itemAsync();
      const batchCorrect = await Promise.all(counts.map((c) => (typeof c === 'number' ? c : c.itemAsync())));
      // The data are finite (TensorDataset checks), so a NaN or infinite loss means the model's outputs are.
      if (!Number.isFinite(loss)) {
        throw new ValueError(`evaluate: the loss is ${loss} on batch ${batch + 1}: the model's outputs are not finite (did training diverge? lower the learning rate, or use a stable loss such as binaryCrossEntropyWithLogits)`);
      }
      const m = x.shape[0]!;
      lossSum += loss * m;
      seen += m;
      batchCorrect.forEach((c, i) => { correct[i]! += c; });
      releaseStorages(forwardMade);
      releaseStorages(made);
      await options.onBatchEnd?.(batch, { loss });
      batch++;
    }
    const logs: Logs = { loss: lossSum / seen };
    metrics.forEach((name, i) => { logs[name] = correct[i]! / seen; });
    return logs;
  });
}

/**
 * The model's outputs for `x`, in eval mode without recording a graph, batch by batch.
 * @example const probs = await kiln.predict(model, kiln.tensor([[0.5], [1.2]]));
 */
export async function predict(model: Module, x: Tensor, options: PredictOptions = {}): Promise<Tensor> {
  checkOptions('predict', options, ['batchSize', 'onBatchEnd', 'yieldEvery', 'signal', 'fuse']);
  if (options.fuse !== false) fuse(model);
  x = onCurrentBackend(x); // inputs made on the CPU go up to a GPU once
  const n = x.shape[0] ?? 1;
  const batchSize = checkInt('predict', 'batchSize', options.batchSize ?? Math.max(n, 1));
  const yielder = new Yielder(options.yieldEvery, 'predict');
  const signal = checkSignal(options.signal, 'predict');
  return inEvalMode(model, async () => {
    const parts: Tensor[] = [];
    for (let s = 0, batch = 0; s < n || (n === 0 && batch === 0); s += batchSize, batch++) {
      if (batch > 0 && yielder.due()) await yielder.yieldNow();
      signal?.throwIfAborted();
      const size = Math.min(batchSize, n - s);
      parts.push(noGrad(() => model.forward(size === n ? x : x.narrow(0, s, size))));
      await options.onBatchEnd?.(batch, { examples: s + size });
    }
    if (parts.length === 1) return parts[0]!;
    // The parts are predict's alone once joined.
    const all = cat(parts, 0);
    releaseStorages(parts.map((p) => p.storage));
    return all;
  });
}
