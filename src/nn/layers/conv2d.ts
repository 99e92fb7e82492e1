import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { conv2d, conv2dGeometry } from '../../ops/conv.js';
import type { Conv2dOptions } from '../../ops/conv.js';
import type { Pair, Padding } from '../../ops/window.js';
import { pair } from '../../ops/window.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt, checkOptions } from '../../validate.js';
import { WEIGHT_INITS, initBias, initWeight } from '../init.js';
import type { WeightInit } from '../init.js';
import { Module, newParameter } from '../module.js';
import type { ModuleConfig } from '../module.js';

export interface Conv2dLayerOptions {
  stride?: Pair;
  /** A size, [h, w], `'valid'` or `'same'`. Default 0. */
  padding?: Padding;
  dilation?: Pair;
  bias?: boolean;
  /** Channel groups, each with its own filters (default 1; inChannels for depthwise): see conv2d. */
  groups?: number;
  /** As for Linear: `'default'` (PyTorch's), `'zeros'`, `'small'`, Xavier or Kaiming. */
  init?: WeightInit;
}

/**
 * A 2-D convolution layer over NCHW images: `outChannels` filters of `inChannels × kH × kW`.
 * weight: [outChannels, inChannels, kH, kW], bias: [outChannels].
 * @example new nn.Conv2d(1, 6, 5, { padding: 2 })   // LeNet-5's first layer on 28×28 digits
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: Padding;
  readonly dilation: [number, number];
  readonly init: WeightInit;
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super();
    this.inChannels = checkInt('Conv2d', 'inChannels', inChannels);
    this.outChannels = checkInt('Conv2d', 'outChannels', outChannels);
    checkOptions('Conv2d', options, ['stride', 'padding', 'dilation', 'bias', 'groups', 'init']);
    this.groups = checkInt('Conv2d', 'groups', options.groups ?? 1);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ValueError(`Conv2d: groups ${this.groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    this.kernelSize = pair(kernelSize, 'kernelSize', 'Conv2d');
    this.stride = pair(options.stride ?? 1, 'stride', 'Conv2d');
    this.dilation = pair(options.dilation ?? 1, 'dilation', 'Conv2d');
    const padding = options.padding ?? 0;
    if (padding !== 'same' && padding !== 'valid') pair(padding, 'padding', 'Conv2d', 0);
    if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) throw new ValueError(`Conv2d: padding 'same' needs stride 1, got ${fmtShape(this.stride)}`);
    this.padding = padding;
    this.init = options.init ?? 'default';
    if (!WEIGHT_INITS.includes(this.init)) throw new ValueError(`Conv2d: init must be one of ${WEIGHT_INITS.join(', ')}, got ${JSON.stringify(options.init)}`);
    this.weight = newParameter([outChannels, inChannels / this.groups, ...this.kernelSize]);
    this.bias = options.bias === false ? null : newParameter([outChannels]);
    this.resetParameters();
  }

  override resetParameters(): void {
    initWeight(this.weight, this.init);
    if (this.bias) initBias(this.bias, (this.inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1], this.init);
  }

  /** The kernels, which L2 and L1 regularisation penalise (the bias is not). */
  override regularizedWeights(): Tensor[] {
    return [this.weight];
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return conv2d(x, this.weight, this.bias, this.convOptions());
  }

  /** Throws the ShapeError for an input that is not [N, C, H, W]. */
  checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError(`Conv2d: expected a 4-D input [N, ${this.inChannels}, H, W], got ${x.ndim}-D ${fmtShape(x.shape)}${x.ndim === 3 ? '; for a single image use x.unsqueeze(0)' : ''}`);
  }

  /** The options this layer passes to conv2d. */
  convOptions(): Required<Conv2dOptions> {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override outputShape(input: readonly number[]): number[] {
    const g = conv2dGeometry(input, this.weight.shape, this.convOptions());
    return [g.N, this.outChannels, g.OH, g.OW];
  }

  override toConfig(): ModuleConfig {
    return {
      type: 'Conv2d', inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize,
      stride: this.stride, padding: this.padding, dilation: this.dilation, bias: this.bias !== null, init: this.init,
      ...(this.groups > 1 ? { groups: this.groups } : {}),
    };
  }

  static fromConfig(c: ModuleConfig): Conv2d {
    return new Conv2d(c.inChannels as number, c.outChannels as number, c.kernelSize as Pair, {
      stride: c.stride as Pair, padding: c.padding as Padding, dilation: c.dilation as Pair, bias: c.bias as boolean, init: c.init as WeightInit,
      ...(c.groups === undefined ? {} : { groups: c.groups as number }),
    });
  }
}
