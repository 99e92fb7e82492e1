import { ValueError } from '../../errors.js';
import { linear, linearOutputShape } from '../../ops/matmul.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt, checkOptions } from '../../validate.js';
import { WEIGHT_INITS, initBias, initWeight } from '../init.js';
import type { WeightInit } from '../init.js';
import { Module, newParameter } from '../module.js';
import type { ModuleConfig } from '../module.js';

export interface LinearOptions {
  /** Add a learned bias b (default true). */
  bias?: boolean;
  /**
   * How to initialise W: `'default'` (PyTorch's U(±1/√in), the bias too), `'zeros'`, `'small'`
   * (the course's randn·0.01), `'xavierUniform'`, `'xavierNormal'`, `'kaimingUniform'`,
   * `'kaimingNormal'`. The bias starts at zero except with `'default'`.
   */
  init?: WeightInit;
  dtype?: DType;
}

/**
 * A fully connected layer: y = x·Wᵀ + b, W: [out, in], b: [out]. The course's
 * Z[l] = W[l]·A[l−1] + b[l], with examples as rows instead of columns.
 * @example new nn.Linear(784, 128)
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly init: WeightInit;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions('Linear', options, ['bias', 'init', 'dtype']);
    this.inFeatures = checkInt('Linear', 'inFeatures', inFeatures);
    this.outFeatures = checkInt('Linear', 'outFeatures', outFeatures);
    this.init = options.init ?? 'default';
    if (!WEIGHT_INITS.includes(this.init)) throw new ValueError(`Linear: init must be one of ${WEIGHT_INITS.join(', ')}, got ${JSON.stringify(options.init)}`);
    const dtype = options.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new ValueError(`Linear: dtype must be float32 or float64, got ${JSON.stringify(options.dtype)}`);
    this.weight = newParameter([outFeatures, inFeatures], dtype);
    this.bias = options.bias === false ? null : newParameter([outFeatures], dtype);
    this.resetParameters();
  }

  override resetParameters(): void {
    initWeight(this.weight, this.init);
    if (this.bias) initBias(this.bias, this.inFeatures, this.init);
  }

  /** W[l], which L2 and L1 regularisation penalise (the bias is not). */
  override regularizedWeights(): Tensor[] {
    return [this.weight];
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override outputShape(input: readonly number[]): number[] {
    return linearOutputShape(input, this.weight.shape);
  }

  override toConfig(): ModuleConfig {
    return { type: 'Linear', inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null, init: this.init, dtype: this.weight.dtype };
  }

  static fromConfig(c: ModuleConfig): Linear {
    return new Linear(c.inFeatures as number, c.outFeatures as number, { bias: c.bias as boolean, init: c.init as WeightInit, dtype: c.dtype as DType | undefined });
  }
}
