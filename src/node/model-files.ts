import type { Module } from '../nn/module.js';
import { writeFileAtomic } from './atomic.js';
import { readBytes } from './read.js';
import { MODEL_FILE, WEIGHTS_FILE, deserializeModel, deserializeModelFile, serializeModel } from './model-file.js';

// Node.js only: the file system is imported on first use so that browser bundles never load it.

/**
 * Writes `dir/model.json` (architecture and metadata) and `dir/weights.safetensors`. Each file is
 * written to a temporary name and renamed into place, so a crash never leaves half a model; the
 * checksum in model.json refuses a pair of files from different saves.
 * @example await kiln.save(model, 'out/lenet', { metadata: { epochs: 5 } });
 */
export async function save(model: Module, dir: string, options: { metadata?: Record<string, unknown> } = {}): Promise<void> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { json, weights } = serializeModel(model, options.metadata);
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
  await writeFileAtomic(join(dir, MODEL_FILE), json);
}

/**
 * Reads a model written by `save` (a directory: the architecture is rebuilt from model.json and
 * the weights loaded from weights.safetensors), or a one-file model (the playground's download),
 * after checking every size and offset.
 * @example const model = await kiln.load('out/lenet');
 */
export async function load(path: string): Promise<Module> {
  return (await loadWithMetadata(path)).model;
}

/** Like `load`, also returning the metadata saved with the model. */
export async function loadWithMetadata(path: string): Promise<{ model: Module; metadata: Record<string, unknown> }> {
  const { join } = await import('node:path');
  const { stat } = await import('node:fs/promises');
  if ((await stat(path).catch(() => null))?.isFile()) return deserializeModelFile(await readBytes(path, 'load'), path);
  const read = (name: string): Promise<Uint8Array> => readBytes(join(path, name), 'load', `is ${path} a directory written by kiln.save, or a model file?`);
  const json = new TextDecoder().decode(await read(MODEL_FILE));
  return deserializeModel(json, await read(WEIGHTS_FILE));
}
