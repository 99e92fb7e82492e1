import { Generator, defaultGenerator } from '../tensor/random.js';
import { Tensor, onCurrentBackend } from '../tensor/tensor.js';
import { placeHost } from '../tensor/storage.js';
import { checkInt, checkOptions } from '../validate.js';
import type { TensorDataset } from './dataset.js';

export interface DataLoaderOptions {
  /** Examples per step: `'full'` (batch gradient descent), 1 (stochastic) or k (mini-batch). Default 32. */
  batchSize?: number | 'full';
  /** Reshuffle every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false: it is kept). */
  dropLast?: boolean;
  /** Seed of the loader's own shuffle generator; the global one (`manualSeed`) when omitted. */
  seed?: number;
}

export interface Batch { x: Tensor; y: Tensor }

/** The batch size used when none is given (Keras's and a common course choice). */
export const DEFAULT_BATCH_SIZE = 32;

/**
 * Iterates over a dataset in batches, one pass per `for…of`.
 * @example for (const { x, y } of new kiln.DataLoader(ds, { batchSize: 64, shuffle: true })) { … }
 */
export class DataLoader implements Iterable<Batch> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator;

  constructor(readonly dataset: TensorDataset, options: DataLoaderOptions = {}) {
    checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'dropLast', 'seed']);
    const bs = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.batchSize = bs === 'full' ? dataset.length : Math.min(checkInt('DataLoader', 'batchSize (a count or "full")', bs), dataset.length);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator = options.seed === undefined ? defaultGenerator : new Generator(options.seed);
  }

  /** Batches per pass. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    // On a GPU the dataset's examples are uploaded once (see onCurrentBackend), then batched there.
    const x = onCurrentBackend(this.dataset.x), y = onCurrentBackend(this.dataset.y);
    for (const range of this.ranges()) yield batchOf(x, y, range);
  }

  /**
   * @internal The examples of each batch of one pass, without the batches themselves (fit's step
   * for small dense networks reads them in place): the shuffle (one permutation per pass) and the
   * batch boundaries of the iterator, which makes its batches from them.
   */
  *ranges(): IterableIterator<BatchRange> {
    const n = this.dataset.length;
    const order = this.shuffle ? this.generator.permutation(n) : null;
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(start + this.batchSize, n);
      if (this.dropLast && end - start < this.batchSize) break;
      yield { order, start, end };
    }
  }
}

/** A batch's examples: order[start … end − 1] of the dataset's rows, or rows start … end − 1 where order is null. */
export interface BatchRange { order: Int32Array | null; start: number; end: number }

/** The batch of x and y (the dataset, on the current backend) that `range` names. */
export function batchOf(x: Tensor, y: Tensor, { order, start, end }: BatchRange): Batch {
  if (order && end - start === 1) {
    // One example (stochastic gradient descent): a slice of one row, with no index tensor.
    const i = order[start]!;
    return { x: x.narrow(0, i, 1), y: y.narrow(0, i, 1) };
  }
  if (order) {
    const idx = new Tensor(placeHost(order.slice(start, end)), [end - start]);
    return { x: x.indexSelect(0, idx), y: y.indexSelect(0, idx) };
  }
  // The whole dataset as one batch is x and y themselves (narrow copies nothing then).
  return { x: x.narrow(0, start, end - start), y: y.narrow(0, start, end - start) };
}
