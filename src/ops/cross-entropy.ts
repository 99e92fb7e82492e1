import { record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { allocOutput, host } from '../tensor/storage.js';
import { floatTypeOf, newTypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** How a loss combines its per-example values (nn/losses.ts's Reduction). */
type Reduction = 'mean' | 'sum' | 'none';

/**
 * Softmax cross-entropy of logits z: [N, C] against class indices y: [N] as one op, for a CPU
 * backend (host storages): per row, −log softmax(z)ᵢ[yᵢ] from one log-softmax pass, reduced as
 * asked. Its backward is the course's dZ = A − Y: softmax(z) minus the one-hot labels, times the
 * incoming gradient (over N for the mean). The composition nllLoss(logSoftmax(z)) is the same
 * loss as five ops, each with a graph node and a tensor (gather, neg, sum, div), which cost more
 * than the arithmetic on a classifier's [64, 10] logits; ops/cross-entropy.test.ts holds the two
 * to each other. The labels are checked by the caller.
 */
export function softmaxCrossEntropy(z: Tensor, y: Tensor, reduction: Reduction): Tensor {
  const [N, C] = z.shape as [number, number];
  const dtype = floatTypeOf(z.dtype);
  const labels = host(y.storage);
  // log softmax(z), kept for the backward (softmax = e^{log softmax}).
  const ls = newTypedArray(dtype, N * C, 'crossEntropy\'s log-probabilities');
  backend().softmax(z.storage, N, C, 1, true, ls);
  const out = allocOutput(dtype, reduction === 'none' ? N : 1);
  const values = host(out);
  if (reduction === 'none') {
    for (let i = 0; i < N; i++) values[i] = -ls[i * C + labels[i]!]!;
  } else {
    let total = 0;
    for (let i = 0; i < N; i++) total -= ls[i * C + labels[i]!]!;
    values[0] = reduction === 'mean' ? total / N : total;
  }
  const loss = new Tensor(out, reduction === 'none' ? [N] : []);
  return record(loss, 'crossEntropy', [z], (g) => {
    const gv = host(g.storage);
    const dz = allocOutput(dtype, N * C);
    const d = host(dz);
    for (let i = 0; i < N; i++) {
      // The incoming gradient for row i: per row ('none'), or the scalar's (over N for the mean).
      const w = reduction === 'none' ? gv[i]! : reduction === 'mean' ? gv[0]! / N : gv[0]!;
      const row = i * C;
      for (let j = 0; j < C; j++) d[row + j] = Math.exp(ls[row + j]!) * w;
      d[row + labels[i]!]! -= w;
    }
    return [new Tensor(dz, [N, C])];
  });
}
