import { ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { summary } from '../../models/summary.js';
import { fromConfig } from '../config.js';
import { Module } from '../module.js';
import type { ModuleConfig } from '../module.js';

/**
 * Layers applied one after another. Children are named by position: `0.weight`, `2.bias`.
 * @example new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid())
 */
export class Sequential extends Module {
  readonly layers: Module[];
  /** The shape of one example (no batch dim), when known: the zoo's models set it; `summary()` uses it. */
  inputShape: number[] | null = null;

  constructor(...layers: Module[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module)) throw new ValueError(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = layers;
  }

  /** Appends a layer. */
  add(layer: Module): this {
    if (!(layer instanceof Module)) throw new ValueError('Sequential.add: the argument is not a Module');
    this.layers.push(layer);
    this.plan = null;
    return this;
  }

  get length(): number { return this.layers.length; }

  override namedChildren(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
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
    return { type: 'Sequential', layers: this.layers.map((l) => l.toConfig()), ...(this.inputShape ? { inputShape: this.inputShape } : {}) };
  }

  static fromConfig(c: ModuleConfig): Sequential {
    if (!Array.isArray(c.layers)) throw new ValueError('Sequential.fromConfig: "layers" must be an array of layer configs');
    const s = new Sequential(...c.layers.map((l) => fromConfig(l as ModuleConfig)));
    if (Array.isArray(c.inputShape)) s.withInputShape(c.inputShape as number[]);
    return s;
  }
}
