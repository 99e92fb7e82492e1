import { ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { isHost } from '../tensor/storage.js';
import { checkOneOf } from '../validate.js';

/** The metrics `fit` and `evaluate` log: `accuracy` (argmax, or a 0.5 threshold for one column) and `binaryAccuracy`. */
export type MetricName = 'accuracy' | 'binaryAccuracy';
const METRICS: readonly MetricName[] = ['accuracy', 'binaryAccuracy'];

export function checkMetric(name: unknown, op: string): MetricName {
  return checkOneOf(op, 'metric', name, METRICS);
}

/**
 * The correct predictions of a batch where they are: counted now where the output can be read
 * (the CPU: countCorrect), or as a tensor on the GPU to add up and read later (correctTensor).
 */
export function correctIn(metric: MetricName, output: Tensor, target: Tensor, fromLogits: boolean): number | Tensor {
  return isHost(output.storage) ? countCorrect(metric, output, target, fromLogits) : correctTensor(metric, output, target, fromLogits);
}

/**
 * countCorrect as a 0-D float32 tensor computed by ops, on the tensors' own backend: what fit and
 * evaluate accumulate on a GPU, to read once per epoch instead of once per batch.
 */
export function correctTensor(metric: MetricName, output: Tensor, target: Tensor, fromLogits: boolean): Tensor {
  const n = output.shape[0] ?? 1;
  const cols = output.size / Math.max(n, 1);
  if (metric === 'accuracy' && cols > 1) {
    if (target.size !== n) throw new ShapeError(`accuracy: ${fmtShape(output.shape)} scores need one class index per row, got labels ${fmtShape(target.shape)}`);
    return output.reshape([n, cols]).argmax(1).eq(target.reshape([n])).float().sum();
  }
  if (target.size !== output.size) throw new ShapeError(`binaryAccuracy: output ${fmtShape(output.shape)} and labels ${fmtShape(target.shape)} differ in size`);
  const predicted = output.reshape([output.size]).gt(fromLogits ? 0 : 0.5);
  return predicted.eq(target.reshape([target.size]).ge(0.5)).float().sum().mul(n / output.size);
}

/**
 * Number of correct predictions in a batch (divide by the batch size for accuracy), read straight
 * from the typed arrays.
 * - `accuracy`: argmax of [N, C] scores against int32 labels [N]; for a single output column it
 *   falls back to binary accuracy.
 * - `binaryAccuracy`: output > threshold against labels ≥ 0.5. The threshold is 0.5 on
 *   probabilities and 0 on logits (`fromLogits`).
 */
export function countCorrect(metric: MetricName, output: Tensor, target: Tensor, fromLogits: boolean): number {
  const n = output.shape[0] ?? 1;
  const cols = output.size / Math.max(n, 1);
  const o = output.values;
  const t = target.values;
  if (metric === 'accuracy' && cols > 1) {
    if (target.size !== n) throw new ShapeError(`accuracy: ${fmtShape(output.shape)} scores need one class index per row, got labels ${fmtShape(target.shape)}`);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < cols; j++) if (o[i * cols + j]! > o[i * cols + best]!) best = j;
      if (best === t[i]) correct++;
    }
    return correct;
  }
  if (target.size !== output.size) throw new ShapeError(`binaryAccuracy: output ${fmtShape(output.shape)} and labels ${fmtShape(target.shape)} differ in size`);
  return binaryCorrect(o, t, n, fromLogits);
}

/**
 * The correct predictions of n examples' outputs o (probabilities, or logits where `fromLogits`)
 * against labels t ≥ 0.5, both of the same length: the correct elements × n / their number.
 */
export function binaryCorrect(o: TypedArray, t: TypedArray, n: number, fromLogits: boolean): number {
  const threshold = fromLogits ? 0 : 0.5;
  let correct = 0;
  for (let i = 0; i < o.length; i++) if ((o[i]! > threshold) === (t[i]! >= 0.5)) correct++;
  return correct * (n / o.length);
}
