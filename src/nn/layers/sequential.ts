import { ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { summary } from '../../models/summary.js';
import { fromConfig } from '../config.js';
import { Module } from '../module.js';
import { ReLU } from './activations.js';
import { Conv2d } from './conv2d.js';
import { MaxPool2d } from './pool.js';
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
    return this;
  }

  get length(): number { return this.layers.length; }

  override namedChildren(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
  }

  /**
   * Runs the layers in order. A Conv2d directly followed by a ReLU, a MaxPool2d without padding, or
   * both (in that order) runs as one fused op: the same values and gradients, without the passes
   * over, and the tensors of, the full-size activations in between (src/ops/fused.test.ts).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      if (!(layer instanceof Conv2d)) {
        h = layer.forward(h);
        continue;
      }
      const relu = layers[i + 1] instanceof ReLU;
      const next = layers[i + (relu ? 2 : 1)];
      const pool = next instanceof MaxPool2d && next.padding[0] === 0 && next.padding[1] === 0 ? next : null;
      h = layer.forwardFused(h, { relu, ...(pool ? { maxPool: { kernelSize: pool.kernelSize, stride: pool.stride } } : {}) });
      i += (relu ? 1 : 0) + (pool ? 1 : 0);
    }
    return h;
  }

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
