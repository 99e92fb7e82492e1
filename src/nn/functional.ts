/**
 * Stateless versions of the layers and the losses, mirroring `torch.nn.functional`.
 * @example
 * const { functional: F } = kiln.nn;
 * const loss = F.crossEntropy(F.linear(x, w, b), labels);
 */
import { defaultGenerator } from '../tensor/random.js';
import { allocOutput } from '../tensor/storage.js';
import { backend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { checkRange } from '../validate.js';
import { flatten as flattenOp } from '../ops/shape.js';

export { linear } from '../ops/matmul.js';
export { sigmoid, tanh, relu, leakyRelu, softplus } from '../ops/activation.js';
export { softmax, logSoftmax } from '../ops/softmax.js';
export { conv2d } from '../ops/conv.js';
export type { Conv2dOptions } from '../ops/conv.js';
export { conv2dReluMaxPool, denseStack, linearActivation } from '../ops/fused.js';
export type { Conv2dReluMaxPoolOptions, DenseLayer, LinearActivation } from '../ops/fused.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from '../ops/pool.js';
export type { Pool2dOptions } from '../ops/pool.js';
export { batchNorm } from '../ops/batch-norm.js';
export type { BatchNormOptions } from '../ops/batch-norm.js';
export type { Pair, Padding } from '../ops/window.js';
export { mseLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, nllLoss, l1Penalty, l2Penalty } from './losses.js';
export type { Reduction } from './losses.js';
import { leakyRelu } from '../ops/activation.js';

/** PReLU: leaky ReLU whose slope is a (learned) tensor, one per channel (dim 1) or one shared. */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  // A per-channel slope [C] must line up with dim 1 of x: [N, C, …] → reshape to [C, 1, …].
  const slope = weight.size > 1 && x.ndim > 2 ? weight.reshape([weight.size, ...x.shape.slice(2).map(() => 1)]) : weight;
  return leakyRelu(x, slope);
}

/** Identity: the course's "linear" activation. */
export function identity(x: Tensor): Tensor {
  return x;
}

/**
 * Inverted dropout: in training, zeroes each element with probability `p` and divides the kept
 * ones by 1 − p, so the expected activation is unchanged and evaluation needs no rescaling.
 * The course's keep_prob is 1 − p.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkRange('dropout', 'p (the drop probability, 1 − keep_prob)', p, { min: 0, max: 1, maxOpen: true });
  if (!training || p === 0) return x;
  // The mask holds the draws rand() would make, made by the backend's kernel (on a GPU, in
  // parallel from jumps of the same generator); the generator then moves on past them.
  const mask = allocOutput(x.dtype === 'float64' ? 'float64' : 'float32', x.size);
  backend().dropoutMask(mask, defaultGenerator.getState().s, p, 1 / (1 - p));
  defaultGenerator.advance(2 * x.size);
  return x.mul(new Tensor(mask, x.shape));
}

/** Flattens dims startDim…endDim (from dim 1 by default, keeping the batch). */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  return flattenOp(x, startDim, endDim);
}
