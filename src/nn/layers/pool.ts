import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../../ops/pool.js';
import type { Pair } from '../../ops/window.js';
import { checkNCHW, checkPoolPadding, pair, window2d } from '../../ops/window.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import type { ModuleConfig } from '../module.js';
import { checkOptions } from '../../validate.js';

// Pooling layers. Max and average pooling share a kernel/stride/padding config; the stride
// defaults to the kernel size (non-overlapping windows), as in PyTorch.

abstract class Pool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(name: string, kernelSize: Pair, options: { stride?: Pair; padding?: Pair }) {
    super();
    checkOptions(name, options, ['stride', 'padding']);
    this.kernelSize = pair(kernelSize, 'kernelSize', name);
    this.stride = pair(options.stride ?? kernelSize, 'stride', name);
    this.padding = pair(options.padding ?? 0, 'padding', name, 0);
    checkPoolPadding(name, this.kernelSize, this.padding);
  }

  protected abstract readonly op: string;

  override outputShape(input: readonly number[]): number[] {
    const g = window2d(this.op, input, this.kernelSize, { stride: this.stride, padding: this.padding });
    return [g.N, g.C, g.OH, g.OW];
  }

  override toConfig(): ModuleConfig {
    return { type: this.constructor.name, kernelSize: this.kernelSize, stride: this.stride, padding: this.padding };
  }
}

/** Max pooling: each output is the largest value in its window. `new nn.MaxPool2d(2)` halves H and W. */
export class MaxPool2d extends Pool2d {
  protected readonly op = 'maxPool2d';
  constructor(kernelSize: Pair, options: { stride?: Pair; padding?: Pair } = {}) { super('MaxPool2d', kernelSize, options); }
  forward(x: Tensor): Tensor { return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding }); }
  static fromConfig(c: ModuleConfig): MaxPool2d { return new MaxPool2d(c.kernelSize as Pair, { stride: c.stride as Pair, padding: c.padding as Pair }); }
}

/** Average pooling: each output is the mean of its window (LeNet-5's subsampling). */
export class AvgPool2d extends Pool2d {
  protected readonly op = 'avgPool2d';
  constructor(kernelSize: Pair, options: { stride?: Pair; padding?: Pair } = {}) { super('AvgPool2d', kernelSize, options); }
  forward(x: Tensor): Tensor { return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding }); }
  static fromConfig(c: ModuleConfig): AvgPool2d { return new AvgPool2d(c.kernelSize as Pair, { stride: c.stride as Pair, padding: c.padding as Pair }); }
}

/** Average pooling to a fixed output size; `new nn.AdaptiveAvgPool2d(1)` is global average pooling. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];
  constructor(outputSize: Pair) {
    super();
    this.outputSize = pair(outputSize, 'outputSize', 'AdaptiveAvgPool2d');
  }
  forward(x: Tensor): Tensor { return adaptiveAvgPool2d(x, this.outputSize); }
  override outputShape(input: readonly number[]): number[] {
    const [N, C] = checkNCHW(input, 'adaptiveAvgPool2d');
    return [N, C, ...this.outputSize];
  }
  override toConfig(): ModuleConfig { return { type: 'AdaptiveAvgPool2d', outputSize: this.outputSize }; }
  static fromConfig(c: ModuleConfig): AdaptiveAvgPool2d { return new AdaptiveAvgPool2d(c.outputSize as Pair); }
}
