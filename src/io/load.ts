import { FormatError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { MODEL_FILE, WEIGHTS_FILE, deserializeModel, deserializeModelFile, parseModelJson } from './model-file.js';
import { describeSource, readSource, sourceUrl } from './source.js';
import type { ByteSource } from './source.js';

// Loading a model on every platform, from what a page has: the bytes of a one-file model (a
// download, an upload, a drop), or a URL of a one-file model or of a saved directory's model.json.

/** A model loaded with the metadata saved beside it. */
export interface LoadedModel { model: Module; metadata: Record<string, unknown> }

/** `bytes` start with "{" (after white space): a model.json, not a safetensors file. */
function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b;
  }
  return false;
}

/** The absolute form of a URL given as a string, against the page's address where there is one. */
function absolute(url: URL | string): URL {
  if (url instanceof URL) return url;
  try {
    return new URL(url, globalThis.location?.href);
  } catch {
    throw new FormatError(`load: ${url} is not a URL; in Node.js, load a file by path with load from "kiln-ml/node"`);
  }
}

/**
 * Like `load`, also returning the metadata saved with the model.
 * @example const { model, metadata } = await kiln.loadWithMetadata(file);
 */
export async function loadWithMetadata(source: ByteSource): Promise<LoadedModel> {
  const what = describeSource(source);
  const bytes = await readSource(source, 'load');
  if (!looksLikeJson(bytes)) return deserializeModelFile(bytes, what);
  const url = sourceUrl(source);
  if (url === null) {
    throw new FormatError(`load: ${what} is a ${MODEL_FILE}, which needs its ${WEIGHTS_FILE}; pass the URL of ${MODEL_FILE} (the weights are fetched beside it) or a one-file model (kiln.serializeModelFile)`);
  }
  const text = new TextDecoder().decode(bytes);
  // The weights' name is checked (weights[-<checksum>].safetensors) before anything more is fetched:
  // a hostile model.json cannot send the request elsewhere.
  const { file } = parseModelJson(text).weights;
  return deserializeModel(text, await readSource(new URL(file, absolute(url)), 'load'));
}

/**
 * Loads a model on any platform: a one-file model (`kiln.serializeModelFile`, the playground's
 * download) as bytes, a Blob or File, a Response or a URL; or the URL of a `model.json` written
 * by `save`, whose weights are fetched from beside it. Every size and offset is checked before
 * anything is allocated. In Node.js, `load` from `kiln-ml/node` also reads paths.
 * @example
 * const model = await kiln.load('/models/flower.safetensors');        // a URL, in a page
 * const fromUpload = await kiln.load(input.files![0]!);                  // a File
 */
export async function load(source: ByteSource): Promise<Module> {
  return (await loadWithMetadata(source)).model;
}
