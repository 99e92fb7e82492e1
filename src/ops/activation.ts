import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { asTensor, binaryRaw, mul, unaryRaw, where } from './elementwise.js';

/** LeakyReLU's slope for negative inputs when none is given (PyTorch's default). */
export const DEFAULT_NEGATIVE_SLOPE = 0.01;

/** σ(x) = 1/(1 + e^−x), stable at ±1000. Derivative σ(x)(1 − σ(x)). */
export function sigmoid(x: Tensor): Tensor {
  const s = unaryRaw('sigmoid', x);
  return record(s, 'sigmoid', [x], (g) => [binaryRaw('sigmoidGrad', g, s, g.dtype)]);
}

/** tanh(x). Derivative 1 − tanh²(x). */
export function tanh(x: Tensor): Tensor {
  const t = unaryRaw('tanh', x);
  return record(t, 'tanh', [x], (g) => [binaryRaw('tanhGrad', g, t, g.dtype)]);
}

/** max(x, 0). Derivative 1 where x > 0, else 0. */
export function relu(x: Tensor): Tensor {
  return record(unaryRaw('relu', x, x.dtype), 'relu', [x], (g) => [binaryRaw('reluGrad', g, x, g.dtype)]);
}

/** log(1 + eˣ), computed as max(x, 0) + log(1 + e^−|x|). Derivative σ(x). */
export function softplus(x: Tensor): Tensor {
  return record(unaryRaw('softplus', x), 'softplus', [x], (g) => [binaryRaw('mul', g, unaryRaw('sigmoid', x))]);
}

/**
 * x where x > 0, else slope·x. The slope is a number (LeakyReLU) or a tensor that broadcasts
 * against x and may itself be learned (PReLU): its gradient is Σ x·g over the negative inputs.
 */
export function leakyRelu(x: Tensor, negativeSlope: Tensor | number = DEFAULT_NEGATIVE_SLOPE): Tensor {
  return where(binaryRaw('gt', x, asTensor(0, x), 'int32'), x, mul(x, negativeSlope));
}
