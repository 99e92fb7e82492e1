// `kiln.data` for Node.js: the universal data sets and readers, with the readers taking paths.
export * from '../data/index.js';
export { readCsv, readIdx } from './data-files.js';
