import { keepStorage, releaseScope } from '../autograd/release.js';
import { noGrad } from '../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { zeros } from '../tensor/creation.js';
import { allocStorage, copyStorage, fillStorage } from '../tensor/storage.js';
import type { Storage } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';

/** A layer's architecture as plain JSON: its class name and constructor arguments. */
export interface ModuleConfig {
  type: string;
  [key: string]: unknown;
}

/** Prototypes whose forward already runs as a release scope. */
const scoped = new WeakSet<object>();

/**
 * Makes every call of forward on this class (and the classes it extends) a release scope
 * (autograd/release.ts): the memory of what it makes and does not return is reused once its graph
 * is consumed, with no dispose() by the user. Done once per class, on its prototype, so calls stay
 * as cheap as a method call.
 */
function scopeForward(proto: object | null): void {
  for (; proto && proto !== Module.prototype && !scoped.has(proto); proto = Object.getPrototypeOf(proto)) {
    scoped.add(proto);
    if (!Object.hasOwn(proto, 'forward')) continue;
    const own = Object.getOwnPropertyDescriptor(proto, 'forward')!.value as (this: Module, x: Tensor) => Tensor;
    if (typeof own !== 'function') continue;
    Object.defineProperty(proto, 'forward', {
      value: function forward(this: Module, x: Tensor): Tensor { return releaseScope(own, this, x); },
      writable: true, configurable: true, enumerable: false,
    });
  }
}

/** A trainable parameter of a module holding a copy of `t` (requiresGrad set), in the backend's own memory. */
export function Parameter(t: Tensor): Tensor {
  if (t.dtype === 'int32') throw new DTypeError('Parameter: parameters must be float32 or float64, got int32');
  // A storage of its own in the backend's memory, where kernels update it in place for as long as it lives.
  const storage = allocStorage(t.dtype, t.size, 'a parameter', true);
  copyStorage(t.storage, storage);
  return parameterOver(storage, t.shape);
}

/**
 * A new Parameter of `shape` with every element `value` (a layer's constructor, before its
 * initialiser fills it), made in place: Parameter(zeros(shape)) would leave the zeros behind for
 * the garbage collector — on a GPU, a buffer as big as the weight, freed whenever it runs.
 */
export function newParameter(shape: readonly number[], dtype: 'float32' | 'float64' = 'float32', value = 0): Tensor {
  const storage = allocStorage(dtype, shape.reduce((n, d) => n * d, 1), 'a parameter', true);
  if (value !== 0) fillStorage(storage, value);
  return parameterOver(storage, shape);
}

function parameterOver(storage: Storage, shape: readonly number[]): Tensor {
  const p = new Tensor(storage, [...shape]);
  p.requiresGrad = true;
  p.isParameter = true;
  keepStorage(storage);
  return p;
}

/**
 * The base of every layer and model. A module's parameters are its own fields holding
 * `Parameter`s; its children are its fields holding modules. Names are dotted paths, as in
 * PyTorch: `0.weight`, `features.3.bias`.
 *
 * The layer contract: the constructor validates its config and throws on nonsense, parameters are
 * made in `resetParameters()` by an initialiser from `nn.init`, `forward` only composes ops, and
 * `toConfig()` / `nn.fromConfig()` are symmetric.
 */
/** A child module's name in a container that names them (a named Sequential, a Graph): letters, digits and _, as it becomes part of its parameters' dotted names. */
export const CHILD_NAME = /^[A-Za-z0-9_]+$/;

export abstract class Module {
  /** Training mode: dropout drops. `eval()` turns it off. */
  training = true;
  /** Names of fields holding non-trainable state saved in the state dict (running statistics). */
  protected bufferNames: string[] = [];

  constructor() {
    scopeForward(Object.getPrototypeOf(this));
  }

  abstract forward(x: Tensor): Tensor;

  /** The architecture as JSON. Built-in layers implement it; a custom module must, to be saved. */
  toConfig(): ModuleConfig {
    throw new ValueError(`${this.constructor.name}: this module has no toConfig(); implement it (and register the class with nn.registerModule) to save it`);
  }

  /**
   * The shape `forward` returns for an input of `input`, batch dim included; it throws the same
   * errors forward would. Built-in layers compute it without running; the default runs forward
   * on zeros (in eval mode, without the tape).
   */
  outputShape(input: readonly number[]): number[] {
    const wasTraining = this.training;
    this.eval();
    try {
      return [...noGrad(() => this.forward(zeros(input))).shape];
    } finally {
      this.train(wasTraining);
    }
  }

  /** Re-creates the parameters with the layer's initialiser. */
  resetParameters(): void {
    for (const [, child] of this.namedChildren()) child.resetParameters();
  }

  /** The direct sub-modules with their names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module's own weights that regularisation penalises: the course's W[l] (a Linear layer's
   * matrix, a Conv2d layer's kernels). Not biases, nor BatchNorm's γ or PReLU's slope. Layers with
   * such weights override this; `l2Penalty` and `l1Penalty` collect it over `modules()`.
   */
  regularizedWeights(): Tensor[] {
    return [];
  }

  /** This module and every descendant, depth first. */
  *modules(): Generator<Module> {
    yield this;
    for (const [, child] of this.namedChildren()) yield* child.modules();
  }

  /** Every parameter with its dotted path, this module's own first. */
  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Tensor && value.isParameter) yield [prefix + key, value];
    }
    for (const [name, child] of this.namedChildren()) yield* child.namedParameters(`${prefix}${name}.`);
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Non-trainable saved state (e.g. batch-norm running statistics) with dotted paths. */
  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    const self = this as unknown as Record<string, unknown>;
    for (const key of this.bufferNames) {
      const v = self[key];
      if (v instanceof Tensor) yield [prefix + key, v];
    }
    for (const [name, child] of this.namedChildren()) yield* child.namedBuffers(`${prefix}${name}.`);
  }

  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: dropout passes values through unchanged. */
  eval(): this {
    return this.train(false);
  }

  /** Zeroes the gradients of every parameter, in place (their memory is reused by the next backward). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.resetGrad();
  }

  /** Parameters and buffers by name. The tensors are the module's own: copy before changing. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) out[name] = p;
    for (const [name, b] of this.namedBuffers()) out[name] = b;
    return out;
  }

  /**
   * Copies values into this module's parameters and buffers. With `strict` (the default), a
   * missing or unexpected name is an error; a shape mismatch is always one.
   */
  loadStateDict(state: Record<string, Tensor>, strict = true): void {
    const own = this.stateDict();
    if (strict) {
      const missing = Object.keys(own).filter((k) => !Object.hasOwn(state, k));
      const unexpected = Object.keys(state).filter((k) => !Object.hasOwn(own, k));
      if (missing.length || unexpected.length) {
        throw new ValueError(`loadStateDict: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''}`);
      }
    }
    // All or nothing: every shape is checked before the first value is copied.
    const pairs: [Tensor, Tensor][] = [];
    for (const [name, dst] of Object.entries(own)) {
      const src = Object.hasOwn(state, name) ? state[name] : undefined;
      if (!src) continue;
      if (!(src instanceof Tensor)) throw new ValueError(`loadStateDict: ${name} is not a Tensor`);
      if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) {
        throw new ShapeError(`loadStateDict: ${name} has shape ${fmtShape(src.shape)} in the state but ${fmtShape(dst.shape)} in the model`);
      }
      pairs.push([src, dst]);
    }
    noGrad(() => { for (const [src, dst] of pairs) copyStorage(src.storage, dst.storage); });
  }
}

/** A layer that maps each element (or each feature) in place: its output has its input's shape. */
export abstract class ShapePreserving extends Module {
  override outputShape(input: readonly number[]): number[] {
    return [...input];
  }
}
