import { ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { summary } from '../../models/summary.js';
import { fromConfig } from '../config.js';
import { CHILD_NAME, Module } from '../module.js';
import type { ModuleConfig } from '../module.js';

/**
 * Layers applied one after another. Children are named by position (`0.weight`, `2.bias`), or by
 * the names given, as PyTorch's Sequential of an OrderedDict (`features.0.weight`), so that a
 * PyTorch model's weights load by name into its Kiln twin.
 * @example new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid())
 * @example new nn.Sequential({ features: new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU()), classifier: new nn.Linear(6 * 24 * 24, 10) })
 */
export class Sequential extends Module {
  readonly layers: Module[];
  /** The layers' names, when given (a named Sequential); null: named by position. */
  readonly names: string[] | null;
  /** The shape of one example (no batch dim), when known: the zoo's models set it; `summary()` uses it. */
  inputShape: number[] | null = null;

  constructor(...layers: Module[]);
  constructor(named: Record<string, Module>);
  constructor(...args: (Module | Record<string, Module>)[]) {
    super();
    const first = args[0];
    const named = args.length === 1 && typeof first === 'object' && first !== null && !(first instanceof Module);
    const entries: [string, unknown][] = named ? Object.entries(first) : args.map((l, i) => [String(i), l]);
    entries.forEach(([name, l], i) => {
      if (!(l instanceof Module)) throw new ValueError(`Sequential: ${named ? `"${name}"` : `argument ${i}`} is not a Module`);
      if (named && !CHILD_NAME.test(name)) throw new ValueError(`Sequential: a layer's name is letters, digits and _ (it becomes part of parameter names), got "${name}"`);
      // JavaScript orders an object's integer-like keys first, whatever order they were written in.
      if (named && /^\d+$/.test(name)) throw new ValueError(`Sequential: the name "${name}" is a number, which an object cannot keep in order; name layers by position with new nn.Sequential(a, b, …), or give names with letters`);
    });
    this.layers = entries.map(([, l]) => l as Module);
    this.names = named ? entries.map(([n]) => n) : null;
  }

  /** Appends a layer (with its name, in a named Sequential). */
  add(layer: Module, name?: string): this {
    if (!(layer instanceof Module)) throw new ValueError('Sequential.add: the argument is not a Module');
    if (this.names) {
      if (name === undefined || !CHILD_NAME.test(name) || this.names.includes(name)) throw new ValueError(`Sequential.add: a named Sequential needs a new name of letters, digits and _ for each layer, got ${JSON.stringify(name)}`);
      this.names.push(name);
    } else if (name !== undefined) throw new ValueError('Sequential.add: this Sequential names its layers by position; build it with an object of named layers to name them');
    this.layers.push(layer);
    this.plan = null;
    return this;
  }

  get length(): number { return this.layers.length; }

  override namedChildren(): [string, Module][] {
    return this.layers.map((l, i) => [this.names ? this.names[i]! : String(i), l]);
  }

  /** Runs the layers in order (or the steps the fusion pass planned: see `nn.fuse`). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const step of this.plan ?? this.layers) h = step.forward(h);
    return h;
  }

  /**
   * @internal Set by the fusion pass (nn/fuse.ts): what forward runs instead of the layers, one by
   * one, with the same values and gradients; null runs the layers. Changing the layers clears it.
   */
  plan: { forward(x: Tensor): Tensor }[] | null = null;

  override outputShape(input: readonly number[]): number[] {
    return this.layers.reduce((shape, layer) => layer.outputShape(shape), [...input]);
  }

  /** Sets the shape of one example (without the batch dim), for `summary()`. */
  withInputShape(shape: readonly number[]): this {
    this.inputShape = [...shape];
    return this;
  }

  /** A table of each layer's output shape and parameter count, like Keras's `model.summary()`. */
  summary(inputShape: readonly number[] | undefined = this.inputShape ?? undefined): string {
    return summary(this, inputShape);
  }

  override toConfig(): ModuleConfig {
    return {
      type: 'Sequential', layers: this.layers.map((l) => l.toConfig()),
      ...(this.names ? { names: this.names } : {}), ...(this.inputShape ? { inputShape: this.inputShape } : {}),
    };
  }

  static fromConfig(c: ModuleConfig): Sequential {
    if (!Array.isArray(c.layers)) throw new ValueError('Sequential.fromConfig: "layers" must be an array of layer configs');
    const layers = c.layers.map((l) => fromConfig(l as ModuleConfig));
    const names = c.names;
    if (names !== undefined && (!Array.isArray(names) || names.length !== layers.length || names.some((n) => typeof n !== 'string') || new Set(names).size !== names.length)) {
      throw new ValueError('Sequential.fromConfig: "names" must be one distinct name per layer');
    }
    const s = names ? new Sequential(Object.fromEntries((names as string[]).map((n, i) => [n, layers[i]!]))) : new Sequential(...layers);
    if (Array.isArray(c.inputShape)) s.withInputShape(c.inputShape as number[]);
    return s;
  }
}
