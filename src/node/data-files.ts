import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCsv as readCsvSource } from '../data/csv.js';
import type { CsvDataset, CsvOptions } from '../data/csv.js';
import { readIdx as readIdxSource } from '../data/idx.js';
import type { TensorDataset } from '../train/dataset.js';
import type { ByteSource } from '../io/source.js';

// The data readers of the main entry, taking file paths too (Node.js): a string is a path here,
// where the universal readers take it for a URL.

/** A path as a file: URL; anything else as it is. */
function fromPath(source: string | ByteSource): ByteSource {
  return typeof source === 'string' ? pathToFileURL(resolve(source)) : source;
}

/**
 * Reads a CSV file by path (or any source the universal `readCsv` takes); see `parseCsv`.
 * @example const ds = await kiln.data.readCsv('iris.csv', { label: 'species' });
 */
export function readCsv(source: string | ByteSource, options: CsvOptions): Promise<CsvDataset> {
  return readCsvSource(fromPath(source), options);
}

/**
 * Reads MNIST's IDX files by path, gzipped or not (or any source the universal `readIdx` takes).
 * @example const train = await kiln.data.readIdx('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
 */
export function readIdx(images: string | ByteSource, labels: string | ByteSource): Promise<TensorDataset> {
  return readIdxSource(fromPath(images), fromPath(labels));
}
