import { ReLU, Tanh } from '../nn/layers/activations.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { AvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { Sequential } from '../nn/layers/sequential.js';
import { ValueError } from '../errors.js';
import { checkInt, checkOneOf, checkOptions } from '../validate.js';

export interface LeNet5Options {
  /** 32 (the classic 32×32×1 input) or 28 (MNIST's size, with padding 2 on the first conv). Default 32. */
  inputSize?: 28 | 32;
  /** tanh (the classic) or relu. */
  activation?: 'tanh' | 'relu';
  /** avg (the classic subsampling) or max. */
  pool?: 'avg' | 'max';
  classes?: number;
  /** Input channels: 1 for grey digits (default), 3 for colour images such as the course's 32×32×3. */
  inChannels?: number;
}

/**
 * LeNet-5 (LeCun et al., 1998): conv 5×5 ×6 → pool → conv 5×5 ×16 → pool → 120 → 84 → 10.
 * The classic form has 61,706 parameters.
 * @example kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' })   // for MNIST
 */
export function lenet5(options: LeNet5Options = {}): Sequential {
  checkOptions('lenet5', options, ['inputSize', 'activation', 'pool', 'classes', 'inChannels']);
  const size = options.inputSize ?? 32;
  const channels = checkInt('lenet5', 'inChannels', options.inChannels ?? 1);
  if (size !== 28 && size !== 32) throw new ValueError(`lenet5: inputSize must be 28 or 32, got ${size}`);
  const act = () => (checkOneOf('lenet5', 'activation', options.activation ?? 'tanh', ['tanh', 'relu']) === 'tanh' ? new Tanh() : new ReLU());
  const pool = () => (checkOneOf('lenet5', 'pool', options.pool ?? 'avg', ['avg', 'max']) === 'avg' ? new AvgPool2d(2) : new MaxPool2d(2));
  const classes = checkInt('lenet5', 'classes', options.classes ?? 10);
  return new Sequential(
    new Conv2d(channels, 6, 5, { padding: size === 28 ? 2 : 0 }), act(), pool(),   // → 6×28×28 → 6×14×14
    new Conv2d(6, 16, 5), act(), pool(),                                       // → 16×10×10 → 16×5×5
    new Flatten(),                                                             // → 400
    new Linear(400, 120), act(),
    new Linear(120, 84), act(),
    new Linear(84, classes),
  ).withInputShape([channels, size, size]);
}
