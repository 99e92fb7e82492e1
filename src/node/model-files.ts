import * as fs from 'node:fs/promises';
import { FormatError } from '../errors.js';
import { basename, dirname, join } from 'node:path';
import { loadWithMetadata as loadSource } from '../io/load.js';
import type { LoadedModel } from '../io/load.js';
import { MODEL_FILE, WEIGHTS_NAME, deserializeModel, deserializeModelFile, parseModelJson, readableState, serializeModel, serializeModelFile } from '../io/model-file.js';
import type { ByteSource } from '../io/source.js';
import type { Module } from '../nn/module.js';
import { ensureDirectory, removeLeftovers, renameIntoPlace, withDirectoryLock, writeFileAtomic, writeTemporary } from './atomic.js';
import { readBytes } from './read.js';
import { checkOptions } from '../validate.js';

// Models on disk (Node.js): a directory of model.json and the weights it names, or a one-file model.

/**
 * Writes `dir/model.json` (architecture and metadata) and its weights (`weights-<checksum>.
 * safetensors`), or, for a path ending in `.safetensors`, the whole model as one file. All or
 * nothing: the weights go to a new name and model.json is renamed into place last, so a crash at any
 * instant leaves the complete old model or the complete new one. Saves to one directory, from one
 * process or several, take turns (a lock file); each removes the weights no model.json points to
 * and the temporary files of saves that were killed.
 * @example await kiln.save(model, 'out/lenet', { metadata: { epochs: 5 } });
 */
export async function save(model: Module, target: string, options: { metadata?: Record<string, unknown> } = {}): Promise<void> {
  checkOptions('save', options, ['metadata']);
  const state = await readableState(model);
  if (target.endsWith('.safetensors')) {
    await ensureDirectory(dirname(target), 'save');
    await writeFileAtomic(target, serializeModelFile(model, options.metadata, state), 'save');
    return;
  }
  const { json, weights, weightsFile } = serializeModel(model, options.metadata, state);
  await ensureDirectory(target, 'save');
  // The weights are written outside the lock (the long part), under this writer's temporary name;
  // under the lock they get their own name (old model.json still points to its own weights), then
  // model.json is renamed into place: the one step that switches from the old model to the new.
  const weightsTmp = await writeTemporary(join(target, weightsFile), weights, 'save');
  try {
    await withDirectoryLock(target, async () => {
      await renameIntoPlace(weightsTmp, join(target, weightsFile), 'save');
      await writeFileAtomic(join(target, MODEL_FILE), json, 'save');
      await removeLeftovers(target, (name) => WEIGHTS_NAME.test(name) && name !== weightsFile);
    });
  } finally {
    await fs.rm(weightsTmp, { force: true });
  }
}

/**
 * Reads a model written by `save` (a directory: the architecture is rebuilt from model.json and
 * the weights loaded from the file it names), or a one-file model (the playground's download),
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
  if ((await fs.stat(path).catch(() => null))?.isFile()) {
    // The path of a saved directory's model.json loads that directory.
    if (basename(path) === MODEL_FILE) return loadWithMetadata(dirname(path));
    return deserializeModelFile(await readBytes(path, 'load'), path);
  }
  const read = (name: string): Promise<Uint8Array> => readBytes(join(path, name), 'load', `is ${path} a directory written by kiln.save, or a model file?`);
  // A save running meanwhile may switch model.json to new weights and remove the old ones between
  // the two reads: then model.json has changed, and reading again gives the new model whole.
  for (let attempt = 1; ; attempt++) {
    const json = new TextDecoder().decode(await read(MODEL_FILE));
    const weightsPath = join(path, parseModelJson(json).weights.file);
    const weights = await fs.readFile(weightsPath).catch((e: NodeJS.ErrnoException) => e);
    if (weights instanceof Uint8Array) return deserializeModel(json, weights);
    const now = await fs.readFile(join(path, MODEL_FILE), 'utf8').catch(() => json);
    if (attempt >= 20 || now === json) throw new FormatError(`load: cannot read ${weightsPath}: ${weights.message}; model.json points to it: is ${path} complete?`);
  }
}
