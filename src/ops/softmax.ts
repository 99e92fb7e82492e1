import { allocOutput } from '../tensor/storage.js';
import { record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { floatTypeOf } from '../tensor/dtype.js';
import { normalizeDim, splitAt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { binaryRaw } from './elementwise.js';
import { sum } from './reduce.js';

function softmaxRaw(x: Tensor, d: number, log: boolean): Tensor {
  const { outer, n, inner } = splitAt(x.shape, d);
  const out = allocOutput(floatTypeOf(x.dtype), x.size);
  backend().softmax(x.storage, outer, n, inner, log, out);
  return new Tensor(out, x.shape);
}

/**
 * softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ along `dim`, computed stably (the max is subtracted first).
 * Backward: s ⊙ (g − Σ g ⊙ s).
 * @example kiln.tensor([[1, 2, 3]]).softmax(1)
 */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'softmax');
  const s = softmaxRaw(x, d, false);
  return record(s, 'softmax', [x], (g) => {
    const gs = binaryRaw('mul', g, s);
    return [binaryRaw('sub', gs, binaryRaw('mul', s, sum(gs, d, true)))];
  });
}

/** log(softmax(x)) along `dim`, as x − log-sum-exp(x). Backward: g − softmax(x)·Σ g. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'logSoftmax');
  const ls = softmaxRaw(x, d, true);
  return record(ls, 'logSoftmax', [x], (g) => {
    const s = softmaxRaw(x, d, false);
    return [binaryRaw('sub', g, binaryRaw('mul', s, sum(g, d, true)))];
  });
}
