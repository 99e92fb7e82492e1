export { beans } from './beans.js';
export { flower, circles, moons, spirals, xor, blobs, PLANAR } from './planar.js';
export type { PlanarOptions, PlanarName } from './planar.js';
export { parseCsv, readCsv } from './csv.js';
export type { CsvOptions, CsvDataset } from './csv.js';
export { mnist, MNIST_TRAIN_FRACTION } from './mnist.js';
export type { MnistSplit } from './mnist.js';
export { parseIdx, readIdx } from './idx.js';
export type { IdxArray } from './idx.js';
