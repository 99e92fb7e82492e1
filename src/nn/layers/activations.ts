import { leakyRelu, relu, sigmoid, tanh } from '../../ops/activation.js';
import { DEFAULT_NEGATIVE_SLOPE } from '../../ops/activation.js';
import { logSoftmax, softmax } from '../../ops/softmax.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt, checkRange } from '../../validate.js';
import { prelu } from '../functional.js';
import { constant } from '../init.js';
import { ValueError } from '../../errors.js';
import { ShapePreserving, newParameter } from '../module.js';
import type { Module, ModuleConfig } from '../module.js';

// The course's activations g(z) as layers. Each derivative g'(z) lives with its op in ops/.

/** Passes its input through unchanged: the course's "linear" output activation. */
export class Identity extends ShapePreserving {
  forward(x: Tensor): Tensor { return x; }
  override toConfig(): ModuleConfig { return { type: 'Identity' }; }
  static fromConfig(_c?: ModuleConfig): Identity { return new Identity(); }
}

/** σ(z) = 1/(1 + e^−z); g'(z) = σ(z)(1 − σ(z)). */
export class Sigmoid extends ShapePreserving {
  forward(x: Tensor): Tensor { return sigmoid(x); }
  override toConfig(): ModuleConfig { return { type: 'Sigmoid' }; }
  static fromConfig(_c?: ModuleConfig): Sigmoid { return new Sigmoid(); }
}

/** tanh(z); g'(z) = 1 − tanh²(z). */
export class Tanh extends ShapePreserving {
  forward(x: Tensor): Tensor { return tanh(x); }
  override toConfig(): ModuleConfig { return { type: 'Tanh' }; }
  static fromConfig(_c?: ModuleConfig): Tanh { return new Tanh(); }
}

/** max(0, z); g'(z) = 1 for z > 0, else 0. */
export class ReLU extends ShapePreserving {
  forward(x: Tensor): Tensor { return relu(x); }
  override toConfig(): ModuleConfig { return { type: 'ReLU' }; }
  static fromConfig(_c?: ModuleConfig): ReLU { return new ReLU(); }
}

/** max(a·z, z) with a fixed slope a (`negativeSlope`, default 0.01). */
export class LeakyReLU extends ShapePreserving {
  readonly negativeSlope: number;
  constructor(negativeSlope = DEFAULT_NEGATIVE_SLOPE) {
    super();
    this.negativeSlope = checkRange('LeakyReLU', 'negativeSlope', negativeSlope, { min: -Infinity });
  }
  forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override toConfig(): ModuleConfig { return { type: 'LeakyReLU', negativeSlope: this.negativeSlope }; }
  static fromConfig(c: ModuleConfig): LeakyReLU { return new LeakyReLU(c.negativeSlope as number); }
}

/** Leaky ReLU whose slope is learned: one shared (default) or one per channel (dim 1 of the input). */
export class PReLU extends ShapePreserving {
  readonly numParameters: number;
  readonly initValue: number;
  weight: Tensor;
  constructor(numParameters = 1, init = 0.25) {
    super();
    this.numParameters = checkInt('PReLU', 'numParameters', numParameters);
    this.initValue = checkRange('PReLU', 'init', init, {});
    this.weight = newParameter([numParameters], 'float32', init);
  }
  override resetParameters(): void { constant(this.weight, this.initValue); }
  forward(x: Tensor): Tensor { return prelu(x, this.weight); }
  override toConfig(): ModuleConfig { return { type: 'PReLU', numParameters: this.numParameters, init: this.initValue }; }
  static fromConfig(c: ModuleConfig): PReLU { return new PReLU(c.numParameters as number, c.init as number); }
}

/** softmax along `dim` (default the last): a probability distribution over classes. */
export class Softmax extends ShapePreserving {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override toConfig(): ModuleConfig { return { type: 'Softmax', dim: this.dim }; }
  static fromConfig(c: ModuleConfig): Softmax { return new Softmax(c.dim as number); }
}

/** log(softmax) along `dim`, for use with nllLoss. */
export class LogSoftmax extends ShapePreserving {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override toConfig(): ModuleConfig { return { type: 'LogSoftmax', dim: this.dim }; }
  static fromConfig(c: ModuleConfig): LogSoftmax { return new LogSoftmax(c.dim as number); }
}

/** The activations by the names the course, the CLI and the playground use ('linear' is the identity). */
export const ACTIVATION_NAMES = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'linear'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/**
 * An activation layer by name: leaky ReLU with slope 0.01, softmax over dim 1.
 * @example nn.activation('tanh').forward(kiln.tensor([-1, 0, 1]))
 */
export function activation(name: ActivationName): ShapePreserving {
  switch (name) {
    case 'sigmoid': return new Sigmoid();
    case 'tanh': return new Tanh();
    case 'relu': return new ReLU();
    case 'leakyRelu': return new LeakyReLU();
    case 'softmax': return new Softmax(1);
    case 'linear': return new Identity();
    default: throw new ValueError(`activation: no activation named ${JSON.stringify(name)}; choose one of ${ACTIVATION_NAMES.join(', ')}`);
  }
}

/** The name `activation` knows a layer by, or null for a layer that is not one of them. */
export function activationName(layer: Module): ActivationName | null {
  if (layer instanceof Sigmoid) return 'sigmoid';
  if (layer instanceof Tanh) return 'tanh';
  if (layer instanceof ReLU) return 'relu';
  if (layer instanceof LeakyReLU) return 'leakyRelu';
  if (layer instanceof Softmax) return 'softmax';
  if (layer instanceof Identity) return 'linear';
  return null;
}
