import { FormatError, ValueError } from '../errors.js';
import { deserializeModelFile, serializeModelFile } from '../io/model-file.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { SchedulerState } from '../optim/schedules.js';
import type { GeneratorState } from '../tensor/random.js';
import { checkInt } from '../validate.js';

/**
 * Where `fit` keeps its checkpoints: every `every` epochs it hands `save` the whole training state as
 * bytes (write them all or nothing), and with `resume` it asks `load` for the last ones (null when
 * there are none yet). `kiln-ml/node`'s `checkpointDir(dir)` keeps them in a file; a page can keep
 * them in IndexedDB.
 */
export interface Checkpointer {
  every: number;
  save(bytes: Uint8Array): Promise<void>;
  load(): Promise<Uint8Array | null>;
}

/** Everything besides the weights that a resumed `fit` needs to go on as if it had not stopped. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  history: Record<string, number[]>;
  optimizer: OptimizerState;
  scheduler: SchedulerState | null;
  /** The global generator (shuffling, dropout), so the next epochs draw what they would have. */
  generator: GeneratorState;
}

const KEY = 'kiln.checkpoint';

/** A checkpoint as one file: the model (a one-file model Kiln can load) with the training state in its metadata. */
export function encodeCheckpoint(model: Module, state: TrainingState, weights: Record<string, Tensor> = model.stateDict()): Uint8Array {
  return serializeModelFile(model, { [KEY]: state }, weights);
}

/**
 * Puts a checkpoint's weights into `model` (which must have the checkpoint's architecture) and
 * returns its training state; a FormatError says what does not fit.
 */
export function restoreCheckpoint(bytes: Uint8Array, model: Module): TrainingState {
  const { model: saved, metadata } = deserializeModelFile(bytes, 'checkpoint');
  const state = metadata[KEY] as TrainingState | undefined;
  if (!state || typeof state !== 'object') throw new FormatError('checkpoint: a model file without a training state; resume from a file fit wrote with its checkpoint option');
  checkInt('checkpoint', 'epoch', state.epoch, 0);
  if (JSON.stringify(saved.toConfig()) !== JSON.stringify(model.toConfig())) {
    throw new FormatError('checkpoint: it holds another architecture than the model being trained; resume with the same model, or start a new checkpoint directory');
  }
  model.loadStateDict(saved.stateDict());
  return state;
}

/** Checks a fit option `checkpoint`. */
export function checkCheckpointer(c: unknown): Checkpointer | undefined {
  if (c === undefined) return undefined;
  const k = c as Checkpointer;
  if (typeof k !== 'object' || k === null || typeof k.save !== 'function' || typeof k.load !== 'function') {
    throw new ValueError('fit: checkpoint must be { every, save(bytes), load() }, e.g. checkpointDir("ckpt") from kiln-ml/node');
  }
  checkInt('fit', 'checkpoint.every', k.every);
  return k;
}
