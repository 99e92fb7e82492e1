import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A classifier's confusion matrix: `counts[t][p]` is how many examples of true class t it predicted
 * as class p (the diagonal holds the right answers). `outputs` are its scores [n, classes] (the
 * largest wins), or one column [n, 1] / [n] of class-1 probabilities (≥ 0.5 is class 1; logits with
 * `fromLogits`: ≥ 0); `targets` are class indices [n] (or 0/1 values for one column). Reads both
 * back, so it takes tensors on any backend.
 * @example const m = await kiln.confusionMatrix(await kiln.predict(model, test.x), test.y);
 */
export async function confusionMatrix(outputs: Tensor, targets: Tensor, options: { fromLogits?: boolean } = {}): Promise<number[][]> {
  if (!(outputs instanceof Tensor) || !(targets instanceof Tensor)) throw new ValueError('confusionMatrix: outputs and targets must be tensors');
  const n = outputs.shape[0] ?? 1;
  if (targets.size !== n) throw new ShapeError(`confusionMatrix: ${n} outputs (shape ${fmtShape(outputs.shape)}) but ${targets.size} targets (shape ${fmtShape(targets.shape)}); give one target per example`);
  const perRow = n === 0 ? 1 : outputs.size / n;
  const classes = perRow === 1 ? 2 : perRow;
  const [out, truth] = await Promise.all([outputs.data(), targets.data()]);
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const threshold = options.fromLogits ? 0 : 0.5;
  for (let i = 0; i < n; i++) {
    let p = 0;
    if (perRow === 1) p = out[i]! >= threshold ? 1 : 0;
    else for (let j = 1; j < perRow; j++) if (out[i * perRow + j]! > out[i * perRow + p]!) p = j;
    const t = truth[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= classes) throw new ValueError(`confusionMatrix: target ${i} is ${t}, not a class index from 0 to ${classes - 1}`);
    counts[t]![p]!++;
  }
  return counts;
}
