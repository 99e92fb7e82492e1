import { ValueError } from '../errors.js';
import { Sigmoid, Softmax, activation } from './layers/activations.js';
import { Dropout } from './layers/dropout.js';
import { Flatten } from './layers/flatten.js';
import { Linear } from './layers/linear.js';
import { Sequential } from './layers/sequential.js';
import type { WeightInit } from './init.js';
import type { LossName } from './losses.js';
import type { Module } from './module.js';
import { Adam, AdamW } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { RMSprop } from '../optim/rmsprop.js';
import { Momentum } from '../optim/momentum.js';
import { SGD } from '../optim/sgd.js';
import { checkOneOf, checkRange } from '../validate.js';

// The course's recipes by name: a dense network from its layer sizes and activations, the output
// and loss that go together, an optimiser. One vocabulary for the CLI (kiln train) and the
// playground, and for anyone who builds the course's networks from settings (kiln.recipes).

export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'linear'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];
export const OUTPUT_ACTIVATIONS = ['sigmoid', 'softmax', 'tanh', 'linear'] as const;
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];
export const LOSS_CHOICES = ['mse', 'bce', 'crossEntropy'] as const;
export type LossChoice = (typeof LOSS_CHOICES)[number];
export const OPTIMIZERS = ['sgd', 'momentum', 'pytorch-momentum', 'rmsprop', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
/**
 * The CLI's short initialiser names and the `nn.init` scheme each means: xavier and he are the
 * course's (N(0, 1/n[l−1]) and N(0, 2/n[l−1])); glorot is Glorot's N(0, 2/(n[l−1] + n[l])).
 */
export const INIT_NAMES = ['default', 'zeros', 'small', 'uniform', 'xavier', 'he', 'glorot'] as const;
export type InitName = (typeof INIT_NAMES)[number];
export const INITS: Record<InitName, WeightInit> = {
  default: 'default', zeros: 'zeros', small: 'small', uniform: 'courseUniform', xavier: 'courseXavier', he: 'courseHe', glorot: 'xavierNormal',
};

/** A hidden layer: its units, with the network's `activation`; or its units and its own activation. */
export type HiddenLayer = number | { units: number; activation: ActivationName };

export interface NetworkSpec {
  /** One example's shape: [features], or [C, H, W] for images (flattened first for an MLP). */
  inputShape: number[];
  hidden: HiddenLayer[];
  outputs: number;
  /** The hidden layers' activation (those given as a number of units). */
  activation: ActivationName;
  outputActivation: OutputActivation;
  loss: LossChoice;
  init: WeightInit;
  keepProb: number;
}

export interface Network { train: Sequential; keep: Sequential; loss: LossName; fromLogits: boolean }

/**
 * The network to train and the one to keep, from layers that end in raw scores. Sigmoid + binary
 * cross-entropy and softmax + cross-entropy train on logits with the stable fused losses; the
 * kept model appends the output activation, so it predicts probabilities.
 */
export function finishNetwork(layers: Module[], inputShape: number[], loss: LossChoice, out: OutputActivation): Network {
  const seq = (...l: Module[]): Sequential => new Sequential(...l).withInputShape(inputShape);
  if (loss === 'crossEntropy') {
    if (out !== 'softmax') throw new ValueError(`network: cross-entropy needs a softmax output, got ${out}`);
    return { train: seq(...layers), keep: seq(...layers, new Softmax(1)), loss: 'crossEntropy', fromLogits: true };
  }
  if (loss === 'bce') {
    if (out !== 'sigmoid') throw new ValueError(`network: binary cross-entropy needs a sigmoid output, got ${out}`);
    return { train: seq(...layers), keep: seq(...layers, new Sigmoid()), loss: 'binaryCrossEntropyWithLogits', fromLogits: true };
  }
  if (out === 'softmax') throw new ValueError('network: a softmax output goes with --loss crossEntropy');
  const model = seq(...layers, activation(out));
  return { train: model, keep: model, loss: 'mseLoss', fromLogits: false };
}

/** A dense network (an MLP; images are flattened first) ending in `outputs` raw scores. */
export function buildNetwork(spec: NetworkSpec): Network {
  const keepProb = checkRange('network', 'keep probability', spec.keepProb, { min: 0, max: 1, minOpen: true });
  const layers: Module[] = spec.inputShape.length > 1 ? [new Flatten()] : [];
  let width = spec.inputShape.reduce((a, b) => a * b, 1);
  for (const h of spec.hidden) {
    const [units, act] = typeof h === 'number' ? [h, spec.activation] : [h.units, h.activation];
    layers.push(new Linear(width, units, { init: spec.init }), activation(act));
    if (keepProb < 1) layers.push(new Dropout(1 - keepProb));
    width = units;
  }
  layers.push(new Linear(width, spec.outputs, { init: spec.init }));
  return finishNetwork(layers, spec.inputShape, spec.loss, spec.outputActivation);
}

/** An optimiser's hyperparameters in the course's names: α, β₁ (momentum's β), β₂ (RMSprop's decay; Adam's), ε. */
export interface OptimizerSettings { lr: number; beta1?: number; beta2?: number; eps?: number }

/**
 * An optimiser by name. `momentum` is the course's (v = β·v + (1 − β)·dW from 0, β = β₁, 0.9 by
 * default); `pytorch-momentum` is PyTorch's SGD momentum (v = β·v + dW: about 10× the step at the
 * same α); RMSprop's decay is β₂; Adam's betas are β₁, β₂.
 */
export function makeOptimizer(name: string, params: ReturnType<Module['parameters']>, settings: number | OptimizerSettings): Optimizer<{ lr: number }> {
  const s: OptimizerSettings = typeof settings === 'number' ? { lr: settings } : settings;
  const { lr, beta1 = 0.9, eps = 1e-8 } = s;
  switch (checkOneOf('optimizer', 'name', name, OPTIMIZERS)) {
    case 'sgd': return new SGD(params, { lr });
    case 'momentum': return new Momentum(params, { lr, beta: beta1 });
    case 'pytorch-momentum': return new SGD(params, { lr, momentum: beta1 });
    case 'rmsprop': return new RMSprop(params, { lr, alpha: s.beta2 ?? 0.99, eps });
    case 'adam': return new Adam(params, { lr, betas: [beta1, s.beta2 ?? 0.999], eps });
    case 'adamw': return new AdamW(params, { lr, betas: [beta1, s.beta2 ?? 0.999], eps });
  }
}
