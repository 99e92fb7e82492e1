import { FormatError, ValueError } from '../errors.js';
import { fromConfig } from '../nn/config.js';
import type { Module, ModuleConfig } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { isHost } from '../tensor/storage.js';
import { checkWeightsFit } from './expected-weights.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/** The version of model.json this Kiln writes, and the newest it reads. */
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';
/** The weights' file name in directories written before names carried the checksum. */
export const WEIGHTS_FILE = 'weights.safetensors';
/**
 * The names model.json may give its weights file: `weights.safetensors`, or `weights-<checksum>.
 * safetensors` as `save` writes them (a new save never overwrites the weights an older model.json
 * points to, so a crash between the two files leaves the old model whole). Nothing else: a hostile
 * model.json cannot point a load elsewhere.
 */
export const WEIGHTS_NAME = /^weights(-[0-9a-f]{8})?\.safetensors$/;
/** The safetensors metadata key that holds model.json in a one-file model. */
export const MODEL_METADATA_KEY = 'kiln.model';

/** The contents of model.json. */
export interface ModelJson {
  format: 'kiln-model';
  version: number;
  architecture: ModuleConfig;
  metadata: Record<string, unknown>;
  /** Size and FNV-1a checksum of the weights file: a model.json and weights from different saves are refused. */
  weights: { file: string; bytes: number; fnv1a: string };
}

/** FNV-1a (32-bit) over the bytes, as 8 hex digits: a cheap check that the two files belong together. */
export function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** model.json's text; metadata that JSON cannot hold (a cycle, a BigInt) is a ValueError, not a TypeError. */
function jsonOf(doc: object, what: string, pretty = true): string {
  try {
    return pretty ? JSON.stringify(doc, null, 2) + '\n' : JSON.stringify(doc);
  } catch (e) {
    throw new ValueError(`save: the ${what} cannot be written as JSON (${(e as Error).message.split('\n')[0]}); keep it to plain numbers, strings, booleans, arrays and objects`);
  }
}

/**
 * A model as the two files' contents, in memory (for the browser, or to write elsewhere): model.json
 * names its weights file `weights-<checksum>.safetensors` (`weightsFile`).
 */
export function serializeModel(model: Module, metadata: Record<string, unknown> = {}, state: Record<string, Tensor> = model.stateDict()): { json: string; weights: Uint8Array; weightsFile: string } {
  const weights = encodeSafetensors(state);
  const sum = fnv1a(weights);
  const weightsFile = `weights-${sum}.safetensors`;
  const doc: ModelJson = {
    format: 'kiln-model',
    version: MODEL_FORMAT_VERSION,
    architecture: model.toConfig(),
    metadata,
    weights: { file: weightsFile, bytes: weights.length, fnv1a: sum },
  };
  return { json: jsonOf(doc, 'metadata'), weights, weightsFile };
}

/** Parses and checks model.json's text. */
export function parseModelJson(text: string): ModelJson {
  const doc = parseModelDoc(text, MODEL_FILE);
  if (typeof doc.weights?.bytes !== 'number' || typeof doc.weights?.fnv1a !== 'string') throw new FormatError(`${MODEL_FILE}: missing the "weights" size and checksum`);
  if (typeof doc.weights.file !== 'string' || !WEIGHTS_NAME.test(doc.weights.file)) {
    throw new FormatError(`${MODEL_FILE}: the weights file must be named weights.safetensors or weights-<checksum>.safetensors beside it, got ${JSON.stringify(doc.weights.file)}`);
  }
  return doc;
}

/** model.json's document from its text (`what` names where it came from in messages): format, version, architecture checked. */
function parseModelDoc(text: string, what: string): ModelJson {
  let doc: ModelJson;
  try {
    doc = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new FormatError(`${what}: not JSON (${(e as Error).message})`);
  }
  if (doc?.format !== 'kiln-model') throw new FormatError(`${what}: not a Kiln model file (format is ${JSON.stringify(doc?.format)}, expected "kiln-model")`);
  if (!Number.isInteger(doc.version) || doc.version < 1 || doc.version > MODEL_FORMAT_VERSION) {
    throw new FormatError(`${what}: format version ${doc.version} is not supported (this Kiln reads 1…${MODEL_FORMAT_VERSION}); upgrade Kiln`);
  }
  if (typeof doc.architecture !== 'object' || doc.architecture === null) throw new FormatError(`${what}: missing "architecture"`);
  return doc;
}

/** The model `doc` describes, with `tensors` as its weights; `misfit` starts the message when they do not fit. */
function buildModel(doc: ModelJson, tensors: Record<string, Tensor>, misfit: string): { model: Module; metadata: Record<string, unknown> } {
  // Before anything is built: the architecture's tensors against the file's (so what the build
  // allocates is bounded by the file), and its nesting.
  checkWeightsFit(doc.architecture, tensors, misfit);
  const model = fromConfig(doc.architecture);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new FormatError(`${misfit}: ${(e as Error).message}`);
  }
  return { model, metadata: doc.metadata ?? {} };
}

/** Rebuilds a model from the two files' contents, checking that they belong together. */
export function deserializeModel(jsonText: string, weights: Uint8Array): { model: Module; metadata: Record<string, unknown> } {
  const doc = parseModelJson(jsonText);
  const file = doc.weights.file;
  if (weights.length !== doc.weights.bytes || fnv1a(weights) !== doc.weights.fnv1a) {
    throw new FormatError(`${file}: ${weights.length} bytes with checksum ${fnv1a(weights)}, but ${MODEL_FILE} expects ${doc.weights.bytes} bytes with checksum ${doc.weights.fnv1a}: the file is truncated, changed, or from another save`);
  }
  return buildModel(doc, decodeSafetensors(weights, file).tensors, `${file} does not fit the architecture in ${MODEL_FILE}`);
}

/**
 * The whole model as one file, for downloads and uploads (the playground's export): a safetensors
 * file whose metadata holds model.json under "kiln.model". Python's safetensors reads its weights;
 * `kiln.load` reads it like a saved directory. No checksum is needed: nothing can pair it wrongly.
 */
export function serializeModelFile(model: Module, metadata: Record<string, unknown> = {}, state: Record<string, Tensor> = model.stateDict()): Uint8Array {
  const doc = { format: 'kiln-model', version: MODEL_FORMAT_VERSION, architecture: model.toConfig(), metadata };
  return encodeSafetensors(state, { [MODEL_METADATA_KEY]: jsonOf(doc, 'metadata', false) });
}

/**
 * A model's state with every tensor readable in place: the CPU's as they are, a GPU's read back
 * (what the asynchronous writers serialize, so a model trained on webgpu saves like any other).
 * The synchronous serializers take it as their state.
 * @example const bytes = kiln.serializeModelFile(model, {}, await kiln.readableState(model));
 */
export async function readableState(model: Module): Promise<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) out[name] = isHost(t.storage) ? t : await t.toBackend('js');
  return out;
}

/** Rebuilds a model from a one-file model's bytes (see serializeModelFile). */
export function deserializeModelFile(bytes: Uint8Array, what = 'model file'): { model: Module; metadata: Record<string, unknown> } {
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  const text = metadata[MODEL_METADATA_KEY];
  if (text === undefined) throw new FormatError(`${what}: a safetensors file without a Kiln model in its metadata (no "${MODEL_METADATA_KEY}"); it holds weights only`);
  return buildModel(parseModelDoc(text, `${what} ("${MODEL_METADATA_KEY}")`), tensors, `${what}: the weights do not fit the architecture`);
}
