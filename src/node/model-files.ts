import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { loadWithMetadata as loadSource } from '../io/load.js';
import type { LoadedModel } from '../io/load.js';
import { MODEL_FILE, WEIGHTS_FILE, deserializeModel, deserializeModelFile, serializeModel } from '../io/model-file.js';
import type { ByteSource } from '../io/source.js';
import type { Module } from '../nn/module.js';
import { writeFileAtomic } from './atomic.js';
import { readBytes } from './read.js';
import { checkOptions } from '../validate.js';

// Models on disk (Node.js): a directory of model.json + weights.safetensors, or a one-file model.

/**
 * Writes `dir/model.json` (architecture and metadata) and `dir/weights.safetensors`. Each file is
 * written to a temporary name and renamed into place, so a crash never leaves half a model; the
 * checksum in model.json refuses a pair of files from different saves.
 * @example await kiln.save(model, 'out/lenet', { metadata: { epochs: 5 } });
 */
export async function save(model: Module, dir: string, options: { metadata?: Record<string, unknown> } = {}): Promise<void> {
  checkOptions('save', options, ['metadata']);
  const { json, weights } = serializeModel(model, options.metadata);
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
  await writeFileAtomic(join(dir, MODEL_FILE), json);
}

/**
 * Reads a model written by `save` (a directory: the architecture is rebuilt from model.json and
 * the weights loaded from weights.safetensors), or a one-file model (the playground's download),
 * after checking every size and offset. Anything that is not a path (bytes, a Blob, a Response, a
 * URL) goes to the universal `load`.
 * @example const model = await kiln.load('out/lenet');
 */
export async function load(source: string | ByteSource): Promise<Module> {
  return (await loadWithMetadata(source)).model;
}

/** Like `load`, also returning the metadata saved with the model. */
export async function loadWithMetadata(source: string | ByteSource): Promise<LoadedModel> {
  if (typeof source !== 'string') return loadSource(source);
  const path = source;
  if ((await fs.stat(path).catch(() => null))?.isFile()) return deserializeModelFile(await readBytes(path, 'load'), path);
  const read = (name: string): Promise<Uint8Array> => readBytes(join(path, name), 'load', `is ${path} a directory written by kiln.save, or a model file?`);
  const json = new TextDecoder().decode(await read(MODEL_FILE));
  return deserializeModel(json, await read(WEIGHTS_FILE));
}
