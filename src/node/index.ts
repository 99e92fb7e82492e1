/**
 * Kiln for Node.js: everything the main entry has, plus what needs a file system. `save` writes a
 * model to a directory; `load`, `data.readCsv` and `data.readIdx` also take file paths.
 * @example
 * import * as kiln from 'kiln-ml/node';
 * await kiln.save(model, 'out/flower');
 * const again = await kiln.load('out/flower');
 * @module kiln-ml/node
 */
export * from '../index.js';
export { save, load, loadWithMetadata } from './model-files.js';
export { checkpointDir, CHECKPOINT_FILE } from './checkpoint-dir.js';
export * as data from './data.js';
