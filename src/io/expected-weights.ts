import { FormatError } from '../errors.js';
import type { ModuleConfig } from '../nn/module.js';

// What a model file's architecture will need, read from its config alone, so that a load checks it
// against the weights in the file before building anything: a few hundred bytes of model.json that
// declare Linear(30000, 30000) must not allocate 3.6 GB, and 5,000 nested layers must not overflow
// the stack.

/** How deep layers may nest in a model file: far beyond any real network, far below the stack's limit. */
export const MAX_NESTING = 64;

/** Layer types with no parameters or buffers. */
const PARAMETER_FREE = new Set(['Identity', 'Sigmoid', 'Tanh', 'ReLU', 'LeakyReLU', 'Softmax', 'LogSoftmax', 'Dropout', 'Flatten', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d']);

/** A size in a config: a whole number ≥ 0 (≥ 1 where `min` says). */
function size(c: ModuleConfig, key: string, what: string, min = 1): number {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new FormatError(`${what}: ${c.type}'s ${key} must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The tensors (parameters and buffers) a model built from `config` has, by dotted name, with their
 * shapes: computed without building it. Null when the config holds a layer type this does not know
 * (one registered with nn.registerModule), which only building can tell. Nesting beyond MAX_NESTING
 * is a FormatError.
 */
export function expectedTensors(config: ModuleConfig, what: string): Map<string, number[]> | null {
  return expectedTensorsWithDtypes(config, what)?.shapes ?? null;
}

/** `expectedTensors` with each tensor's dtype (Linear's `dtype`, float32 for every other layer). */
export function expectedTensorsWithDtypes(config: ModuleConfig, what: string): { shapes: Map<string, number[]>; dtypes: Map<string, string> } | null {
  const out = new Map<string, number[]>();
  const dtypes = new Map<string, string>();
  const walk = (c: ModuleConfig, prefix: string, depth: number): boolean => {
    if (depth > MAX_NESTING) throw new FormatError(`${what}: layers nest more than ${MAX_NESTING} deep; this is no model Kiln wrote`);
    if (typeof c !== 'object' || c === null || typeof c.type !== 'string') throw new FormatError(`${what}: a layer config is an object with a string "type", got ${JSON.stringify(c)?.slice(0, 80)}`);
    switch (c.type) {
      case 'Sequential': {
        if (!Array.isArray(c.layers)) throw new FormatError(`${what}: a Sequential's "layers" must be an array`);
        return (c.layers as ModuleConfig[]).every((l, i) => walk(l, `${prefix}${i}.`, depth + 1));
      }
      case 'Linear': {
        const [i, o] = [size(c, 'inFeatures', what), size(c, 'outFeatures', what)];
        out.set(`${prefix}weight`, [o, i]);
        if (c.bias !== false) out.set(`${prefix}bias`, [o]);
        if (c.dtype === 'float64') { dtypes.set(`${prefix}weight`, 'float64'); dtypes.set(`${prefix}bias`, 'float64'); }
        return true;
      }
      case 'Conv2d': {
        const [i, o] = [size(c, 'inChannels', what), size(c, 'outChannels', what)];
        const groups = c.groups === undefined ? 1 : size(c, 'groups', what);
        const k = Array.isArray(c.kernelSize) ? c.kernelSize : [c.kernelSize, c.kernelSize];
        if (k.length !== 2 || !k.every((v) => Number.isSafeInteger(v) && (v as number) >= 1)) throw new FormatError(`${what}: Conv2d's kernelSize must be a size or [h, w], got ${JSON.stringify(c.kernelSize)}`);
        if (i % groups !== 0) throw new FormatError(`${what}: Conv2d's groups ${groups} must divide inChannels ${i}`);
        out.set(`${prefix}weight`, [o, i / groups, k[0] as number, k[1] as number]);
        if (c.bias !== false) out.set(`${prefix}bias`, [o]);
        return true;
      }
      case 'BatchNorm1d': case 'BatchNorm2d': {
        const n = size(c, 'numFeatures', what);
        if (c.affine !== false) { out.set(`${prefix}weight`, [n]); out.set(`${prefix}bias`, [n]); }
        out.set(`${prefix}runningMean`, [n]);
        out.set(`${prefix}runningVar`, [n]);
        return true;
      }
      case 'PReLU':
        out.set(`${prefix}weight`, [c.numParameters === undefined ? 1 : size(c, 'numParameters', what)]);
        return true;
      default:
        return PARAMETER_FREE.has(c.type);
    }
  };
  if (!walk(config, '', 0)) return null;
  for (const name of out.keys()) if (!dtypes.has(name)) dtypes.set(name, 'float32');
  return { shapes: out, dtypes };
}

/**
 * Checks the tensors a file holds against those its architecture needs — every name and shape —
 * before the model is built: a FormatError names what is missing, unexpected or mis-shaped.
 */
export function checkWeightsFit(config: ModuleConfig, tensors: Record<string, { shape: readonly number[]; dtype: string }>, what: string): void {
  const both = expectedTensorsWithDtypes(config, what);
  if (!both) return; // a custom layer: only building it can tell, and building it checks the shapes
  const expected = both.shapes;
  const names = Object.keys(tensors);
  const missing = [...expected.keys()].filter((n) => !Object.hasOwn(tensors, n));
  const unexpected = names.filter((n) => !expected.has(n));
  const show = (list: string[]): string => list.slice(0, 5).join(', ') + (list.length > 5 ? `, … (${list.length} in all)` : '');
  if (missing.length) throw new FormatError(`${what}: the architecture needs ${show(missing)}, which the weights do not hold`);
  if (unexpected.length) throw new FormatError(`${what}: the weights hold ${show(unexpected)}, which the architecture has no place for`);
  for (const [name, shape] of expected) {
    const got = tensors[name]!.shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new FormatError(`${what}: ${name} is [${got.join(', ')}] in the weights but the architecture needs [${shape.join(', ')}]`);
    }
    if (tensors[name]!.dtype !== both.dtypes.get(name)) {
      throw new FormatError(`${what}: ${name} is ${tensors[name]!.dtype} in the weights but the architecture's layer is ${both.dtypes.get(name)}`);
    }
  }
}
