// PyTorch's weights in and out: a state_dict saved as safetensors (safetensors.torch.save_file)
// loads by name into the Kiln model of the same architecture, and a Kiln model's weights are
// written under PyTorch's names for model.load_state_dict. The names are the same dotted paths
// (`features.0.weight`; a named nn.Sequential gives `features` and `classifier`), except batch
// norm's running statistics, which PyTorch spells running_mean and running_var and counts in
// num_batches_tracked (ignored here: Kiln's batch norm has no use for it).
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../validate.js';
import { readableState } from './model-file.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/** Kiln's buffer names and PyTorch's, for the last part of a state-dict path. */
const TO_TORCH: Record<string, string> = { runningMean: 'running_mean', runningVar: 'running_var' };
const FROM_TORCH: Record<string, string> = Object.fromEntries(Object.entries(TO_TORCH).map(([k, t]) => [t, k]));
/** What PyTorch saves that Kiln keeps no state for. */
const TORCH_ONLY = ['num_batches_tracked'];

/** A state-dict path with its last part renamed by `table`. */
function rename(path: string, table: Record<string, string>): string {
  const at = path.lastIndexOf('.');
  const last = path.slice(at + 1);
  return Object.hasOwn(table, last) ? `${path.slice(0, at + 1)}${table[last]}` : path;
}

/**
 * The model's weights as a safetensors file under PyTorch's names: load it in Python with
 * `model.load_state_dict(safetensors.torch.load_file('kiln.safetensors'))`. Async: the weights
 * are read back from whatever backend holds them.
 */
export async function torchWeights(model: Module): Promise<Uint8Array> {
  const state = await readableState(model);
  return encodeSafetensors(Object.fromEntries(Object.entries(state).map(([name, t]) => [rename(name, TO_TORCH), t])));
}

/**
 * Loads a PyTorch state_dict saved as safetensors into `model`, by name. The model must have the
 * same architecture under the same names (a named nn.Sequential gives PyTorch's module names).
 * Missing, unexpected (with `strict`, the default) and mis-shaped tensors are a ValueError or
 * ShapeError listing them; nothing is copied unless everything fits.
 * @example kiln.loadTorchWeights(model, await readFile('lenet.safetensors'))
 */
export function loadTorchWeights(model: Module, bytes: Uint8Array, options: { strict?: boolean } = {}): void {
  checkOptions('loadTorchWeights', options, ['strict']);
  const strict = options.strict ?? true;
  const { tensors } = decodeSafetensors(bytes, 'PyTorch weights');
  const own = model.stateDict();
  const state: Record<string, Tensor> = {};
  const unexpected: string[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (TORCH_ONLY.some((s) => name === s || name.endsWith(`.${s}`))) continue;
    const kilnName = rename(name, FROM_TORCH);
    if (Object.hasOwn(own, kilnName)) state[kilnName] = t;
    else unexpected.push(name);
  }
  const missing = Object.keys(own).filter((k) => !Object.hasOwn(state, k)).map((k) => rename(k, TO_TORCH));
  if (strict && (missing.length || unexpected.length)) {
    const hint = unexpected.length && missing.length
      ? `; the names differ: give the Kiln model PyTorch's module names (new nn.Sequential({ features: …, classifier: … }) names its layers), or pass { strict: false } to load what matches`
      : '';
    throw new ValueError(`loadTorchWeights: ${missing.length ? `the file lacks ${list(missing)}` : ''}${missing.length && unexpected.length ? ' and ' : ''}${unexpected.length ? `the model has no ${list(unexpected)}` : ''}${hint}`);
  }
  const misfits = Object.entries(state).filter(([name, t]) => !sameShape(t.shape, own[name]!.shape))
    .map(([name, t]) => `${rename(name, TO_TORCH)} is ${fmtShape(t.shape)} in the file but ${fmtShape(own[name]!.shape)} in the model`);
  if (misfits.length) throw new ShapeError(`loadTorchWeights: ${misfits.slice(0, 5).join('; ')}${misfits.length > 5 ? `; and ${misfits.length - 5} more` : ''}`);
  const typed: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(state)) typed[name] = t.dtype === own[name]!.dtype ? t : t.to(own[name]!.dtype);
  model.loadStateDict(typed, false);
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const list = (names: string[]): string => `${names.slice(0, 6).join(', ')}${names.length > 6 ? ` and ${names.length - 6} more` : ''}`;
