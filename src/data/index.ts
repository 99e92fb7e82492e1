export { beans } from './beans.js';
export { flower, circles, moons, spirals, xor, blobs, PLANAR } from './planar.js';
export type { PlanarOptions, PlanarName } from './planar.js';
export { parseCsv, readCsv } from './csv.js';
export type { CsvOptions, CsvDataset } from './csv.js';
