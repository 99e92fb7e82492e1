import { ShapeError, fmtShape } from '../../errors.js';
import { batchNorm } from '../../ops/batch-norm.js';
import { ones, zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt, checkOptions, checkRange } from '../../validate.js';
import { constant } from '../init.js';
import { ShapePreserving, newParameter } from '../module.js';
import type { ModuleConfig } from '../module.js';

export interface BatchNormLayerOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Learn a scale γ and shift β per feature (default true). */
  affine?: boolean;
}

/**
 * Batch normalisation of `numFeatures` channels. In training it normalises with the batch's mean
 * and variance and updates running estimates; in eval it uses the running estimates. The running
 * statistics are saved with the model (state dict buffers).
 */
export abstract class BatchNorm extends ShapePreserving {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor;
  runningVar: Tensor;

  constructor(readonly name: string, private readonly ranks: readonly number[], numFeatures: number, options: BatchNormLayerOptions) {
    super();
    checkOptions(name, options, ['eps', 'momentum', 'affine']);
    this.numFeatures = checkInt(name, 'numFeatures', numFeatures);
    this.eps = checkRange(name, 'eps', options.eps ?? 1e-5, { min: 0, minOpen: true });
    this.momentum = checkRange(name, 'momentum', options.momentum ?? 0.1, { min: 0, max: 1 });
    this.affine = options.affine ?? true;
    this.weight = this.affine ? newParameter([numFeatures], 'float32', 1) : null;
    this.bias = this.affine ? newParameter([numFeatures]) : null;
    this.runningMean = zeros([numFeatures]);
    this.runningVar = ones([numFeatures]);
    this.bufferNames = ['runningMean', 'runningVar'];
  }

  override resetParameters(): void {
    if (this.weight) constant(this.weight, 1);
    if (this.bias) constant(this.bias, 0);
    constant(this.runningMean, 0);
    constant(this.runningVar, 1);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x.shape);
    return batchNorm(x, this.runningMean, this.runningVar, { weight: this.weight, bias: this.bias, training: this.training, momentum: this.momentum, eps: this.eps });
  }

  override outputShape(input: readonly number[]): number[] {
    this.checkInput(input);
    return [...input];
  }

  private checkInput(shape: readonly number[]): void {
    if (!this.ranks.includes(shape.length) || shape[1] !== this.numFeatures) {
      const want = this.ranks.length === 1 ? '[N, C, H, W]' : '[N, C] or [N, C, L]';
      throw new ShapeError(`${this.name}: expected ${want} with C = ${this.numFeatures}, got ${fmtShape(shape)}`);
    }
  }

  override toConfig(): ModuleConfig {
    return { type: this.name, numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum, affine: this.affine };
  }
}

/** Batch norm over the features of [N, C] (or [N, C, L]) data. */
/** The layer options saved in a config (which also holds its type and size). */
function layerOptions(c: ModuleConfig): BatchNormLayerOptions {
  return { eps: c.eps as number | undefined, momentum: c.momentum as number | undefined, affine: c.affine as boolean | undefined };
}

export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) { super('BatchNorm1d', [2, 3], numFeatures, options); }
  static fromConfig(c: ModuleConfig): BatchNorm1d { return new BatchNorm1d(c.numFeatures as number, layerOptions(c)); }
}

/** Batch norm over the channels of [N, C, H, W] images. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) { super('BatchNorm2d', [4], numFeatures, options); }
  static fromConfig(c: ModuleConfig): BatchNorm2d { return new BatchNorm2d(c.numFeatures as number, layerOptions(c)); }
}
