import { allocStorage, copyStorage, host, readStorage } from '../tensor/storage.js';
import type { Storage } from '../tensor/storage.js';
import { DTypeError, FormatError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkRange } from '../validate.js';

/** What `stateDict()` returns: JSON-safe, so it can be saved with the model or in localStorage. */
export interface OptimizerState {
  type: string;
  options: Record<string, unknown>;
  /** Per parameter (in order): its buffers as plain arrays and its step count. */
  state: Record<string, number[] | number>[];
}

/**
 * The base of the optimisers. It holds the parameters, their per-parameter buffers and the
 * hyperparameters; `step()` updates every parameter that has a gradient, `zeroGrad()` clears the
 * gradients (they accumulate across `backward()` calls otherwise).
 */
export abstract class Optimizer<O extends { lr: number }> {
  readonly params: Tensor[];
  protected readonly options: O;
  /** Per-parameter buffers (momentum, squared averages…) and step counts. */
  protected readonly state = new Map<Tensor, Record<string, Storage | number>>();

  constructor(params: Iterable<Tensor>, options: O) {
    this.params = [...params];
    const name = this.constructor.name;
    if (this.params.length === 0) throw new ValueError(`${name}: got no parameters to optimise; pass model.parameters()`);
    this.params.forEach((p, i) => {
      if (!p.requiresGrad) throw new ValueError(`${name}: parameter ${i} does not require a gradient`);
      if (p.dtype === 'int32') throw new DTypeError(`${name}: parameter ${i} is int32; parameters must be float`);
    });
    this.options = options;
    this.validate(options);
    // A learning rate of 0 trains nothing: refused when the optimiser is made (a schedule may still
    // bring it down to 0 at its end, and a saved state may hold that).
    checkRange(name, 'lr', options.lr, { min: 0, minOpen: true });
  }

  /** The learning rate now (schedules change it). */
  get lr(): number { return this.options.lr; }
  set lr(value: number) {
    this.options.lr = checkRange(this.constructor.name, 'lr', value, { min: 0 });
  }

  /** The hyperparameters, as a copy. */
  get hyperparameters(): Readonly<O> { return { ...this.options }; }

  /** Checks the hyperparameters; subclasses add their own checks. */
  protected validate(o: O): void {
    checkRange(this.constructor.name, 'lr', o.lr, { min: 0 });
  }

  /** Clears every parameter's gradient: zeroed in place (keeps the memory), or dropped. */
  zeroGrad(setToNone = false): void {
    for (const p of this.params) {
      if (setToNone) p.grad = null;
      else p.resetGrad();
    }
  }

  /** Updates each parameter that has a gradient. */
  step(): void {
    for (const p of this.params) {
      if (p.grad) this.update(p, p.grad.storage, this.buffers(p));
    }
  }

  protected abstract update(p: Tensor, grad: Storage, state: Record<string, Storage | number>): void;

  private buffers(p: Tensor): Record<string, Storage | number> {
    let s = this.state.get(p);
    if (!s) {
      s = { step: 0 };
      this.state.set(p, s);
    }
    return s;
  }

  /** A zeroed buffer the size of `p`, created on first use. */
  protected buffer(p: Tensor, s: Record<string, Storage | number>, name: string): Storage {
    let b = s[name];
    if (typeof b !== 'object') {
      // in the backend's memory, where its kernels update it in place (like any storage)
      b = allocStorage(p.dtype, p.size, `optimiser state for a parameter of ${p.size} elements`, true);
      s[name] = b;
    }
    return b;
  }

  stateDict(): OptimizerState {
    return this.stateWith((s) => Array.from(host(s)));
  }

  /** `stateDict()` on every backend: buffers on a GPU are read back first. */
  async stateDictAsync(): Promise<OptimizerState> {
    const read = new Map<Storage, number[]>();
    for (const s of this.state.values()) {
      for (const v of Object.values(s)) if (typeof v !== 'number') read.set(v, Array.from(await readStorage(v)));
    }
    return this.stateWith((s) => read.get(s)!);
  }

  private stateWith(values: (s: Storage) => number[]): OptimizerState {
    return {
      type: this.constructor.name,
      options: { ...this.options },
      state: this.params.map((p) => {
        const out: Record<string, number[] | number> = {};
        for (const [k, v] of Object.entries(this.state.get(p) ?? {})) out[k] = typeof v === 'number' ? v : values(v);
        return out;
      }),
    };
  }

  /** Restores hyperparameters and buffers saved by `stateDict()` from an optimiser of the same kind. */
  loadStateDict(sd: OptimizerState): void {
    const name = this.constructor.name;
    if (sd?.type !== name) throw new FormatError(`${name}.loadStateDict: the state is from ${sd?.type ?? 'nothing'}, not ${name}`);
    if (!Array.isArray(sd.state) || sd.state.length !== this.params.length) {
      throw new FormatError(`${name}.loadStateDict: the state has ${sd.state?.length} parameters, this optimiser ${this.params.length}`);
    }
    const options = { ...this.options, ...sd.options } as O;
    this.validate(options);
    Object.assign(this.options, options);
    this.state.clear();
    sd.state.forEach((entry, i) => {
      const p = this.params[i]!;
      const s: Record<string, Storage | number> = {};
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === 'number') s[k] = v;
        else {
          if (!Array.isArray(v) || v.length !== p.size) throw new FormatError(`${name}.loadStateDict: buffer ${k} of parameter ${i} has ${Array.isArray(v) ? v.length : 'no'} values, the parameter ${p.size}`);
          const b = allocStorage(p.dtype, p.size, `optimiser state for a parameter of ${p.size} elements`, true);
          copyStorage(Float64Array.from(v), b);
          s[k] = b;
        }
      }
      this.state.set(p, s);
    });
  }
}
