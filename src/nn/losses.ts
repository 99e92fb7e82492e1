import { scoped } from '../autograd/release.js';
import { allocStorage, host, isHost } from '../tensor/storage.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { record } from '../autograd/tape.js';
import { softmaxCrossEntropy } from '../ops/cross-entropy.js';
import { isFloat } from '../tensor/dtype.js';
import type { TypedArray } from '../tensor/dtype.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOneOf, checkRange } from '../validate.js';
import type { Module } from './module.js';

/** How a loss combines its per-element values: their mean (the course's cost J), sum, or none. */
export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** PyTorch clamps log(p) at −100 in binary cross-entropy, so p = 0 or 1 gives a finite loss. */
const LOG_CLAMP = -100;

function reduce(values: Tensor, reduction: Reduction, op: string): Tensor {
  switch (checkOneOf(op, 'reduction', reduction, REDUCTIONS)) {
    case 'mean': return values.mean();
    case 'sum': return values.sum();
    case 'none': return values;
  }
}

function checkSameShape(input: Tensor, target: Tensor, op: string): void {
  if (!sameShape(input.shape, target.shape)) {
    const hint = input.size === target.size ? `; reshape the target with target.reshape(${fmtShape(input.shape)})` : '';
    throw new ShapeError(`${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape${hint}`);
  }
  if (!isFloat(target.dtype)) throw new DTypeError(`${op}: the target must be float, got ${target.dtype}; use target.float()`);
}

/**
 * Mean squared error: mean((ŷ − y)²). (The course's beans example uses it with a sigmoid output.)
 * @example nn.functional.mseLoss(model.forward(x), y)
 */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSameShape(input, target, 'mseLoss');
  // The composition where the one-pass form does not apply (and on a GPU, where it would read
  // back), in a release scope for its intermediates; the one-pass form makes none, so it needs no
  // scope (per-sample training runs it every step).
  if (checkOneOf('mseLoss', 'reduction', reduction, REDUCTIONS) === 'none' || input.dtype !== target.dtype || !isHost(input.storage) || !isHost(target.storage)) {
    return scoped(() => {
      const d = input.sub(target);
      return reduce(d.mul(d), reduction, 'mseLoss');
    });
  }
  const a = input.values, b = target.values, n = a.length;
  const scale = reduction === 'mean' ? n : 1;
  const out = host(allocStorage(input.dtype, 1));
  mseForward(a, b, scale, out);
  return record(new Tensor(out, []), 'mseLoss', [input, target], (g) => {
    const d = host(allocStorage(input.dtype, n));
    mseBackward(g.values[0]!, a, b, scale, d);
    const dIn = new Tensor(d, input.shape);
    return [input.requiresGrad ? dIn : null, target.requiresGrad ? dIn.neg() : null];
  });
}

/** mseLoss's one pass on arrays: out[0] = Σ(a − b)² / scale (a sum in float64, stored in out's dtype). */
export function mseForward(a: TypedArray, b: TypedArray, scale: number, out: TypedArray): void {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += (a[i]! - b[i]!) ** 2;
  out[0] = total / scale;
}

/** mseForward's gradient for its input, from the loss's gradient g: d = 2g(a − b)/scale (the target's is −d). */
export function mseBackward(g: number, a: TypedArray, b: TypedArray, scale: number, d: TypedArray): void {
  const k = (2 * g) / scale;
  for (let i = 0; i < a.length; i++) d[i] = k * (a[i]! - b[i]!);
}

/**
 * Binary cross-entropy on probabilities: −[y·log p + (1 − y)·log(1 − p)], the course's logistic
 * cost. The logs are clamped at −100, as in PyTorch. Prefer `binaryCrossEntropyWithLogits`
 * on the raw output: it is exact where this one saturates.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return scoped(() => {
    checkSameShape(input, target, 'binaryCrossEntropy');
    // Checked where the probabilities can be read without a wait (not on a GPU).
    const ps = input.storage;
    if (isHost(ps)) for (const p of ps) {
      if (!(p >= 0 && p <= 1)) throw new ValueError(`binaryCrossEntropy: inputs must be probabilities in [0, 1], got ${p}; apply sigmoid first or use binaryCrossEntropyWithLogits`);
    }
    const logP = input.log().clamp(LOG_CLAMP);
    const log1mP = input.neg().add(1).log().clamp(LOG_CLAMP);
    const ll = target.mul(logP).add(target.neg().add(1).mul(log1mP));
    return reduce(ll.neg(), reduction, 'binaryCrossEntropy');
  });
}

/**
 * Binary cross-entropy on logits z, stable for any z: max(z, 0) − z·y + log(1 + e^−|z|),
 * computed as softplus(z) − z·y. Its gradient is σ(z) − y.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return scoped(() => {
    checkSameShape(input, target, 'binaryCrossEntropyWithLogits');
    return reduce(input.softplus().sub(input.mul(target)), reduction, 'binaryCrossEntropyWithLogits');
  });
}

function checkClassTargets(input: Tensor, target: Tensor, op: string): void {
  if (input.ndim !== 2) throw new ShapeError(`${op}: input must be [N, C] (a row of class scores per example), got ${fmtShape(input.shape)}`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: the target must hold int32 class indices, got ${target.dtype}; use target.int()`);
  if (target.ndim !== 1 || target.shape[0] !== input.shape[0]) {
    throw new ShapeError(`${op}: target must be [${input.shape[0]}] (one class index per row of the input ${fmtShape(input.shape)}), got ${fmtShape(target.shape)}`);
  }
  const classes = input.shape[1]!;
  // Checked where the labels can be read without a wait; a GPU's gather clamps them instead.
  const ts = target.storage;
  if (!isHost(ts)) return;
  const t = ts;
  for (let i = 0; i < t.length; i++) {
    if (t[i]! < 0 || t[i]! >= classes) throw new ValueError(`${op}: label ${t[i]} at row ${i} is out of range for ${classes} classes (labels must be 0…${classes - 1})`);
  }
}

/** Negative log-likelihood of class indices, given log-probabilities [N, C]: −mean(logp[i, yᵢ]). */
export function nllLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return scoped(() => {
    checkClassTargets(input, target, 'nllLoss');
    const picked = input.gather(1, target.unsqueeze(1)).squeeze(1);
    return reduce(picked.neg(), reduction, 'nllLoss');
  });
}

/**
 * Softmax cross-entropy of logits [N, C] and int32 class indices [N]: nllLoss(logSoftmax(x)).
 * Stable for logits of any size (log-sum-exp). Its gradient is the course's dZ = A − Y (softmax
 * minus the one-hot labels; over N for the mean). On a CPU backend it is one op
 * (ops/cross-entropy.ts); on a GPU, that composition.
 * @example nn.functional.crossEntropy(model.forward(xb), yb)
 */
export function crossEntropy(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return scoped(() => {
    checkClassTargets(input, target, 'crossEntropy');
    if (isFloat(input.dtype) && input.shape[0]! > 0 && isHost(input.storage) && isHost(target.storage)) {
      return softmaxCrossEntropy(input, target, checkOneOf('crossEntropy', 'reduction', reduction, REDUCTIONS));
    }
    return nllLoss(input.logSoftmax(1), target, reduction);
  });
}

/** Σ over the model's regularised weights (its layers' W[l]) of `term(W)`, times `scale`. */
function weightPenalty(op: string, model: Module, lambda: number, m: number, term: (w: Tensor) => Tensor): Tensor {
  checkRange(op, 'lambda', lambda, { min: 0 });
  checkRange(op, 'm', m, { min: 0, minOpen: true });
  let total: Tensor | null = null;
  for (const mod of model.modules()) {
    for (const w of mod.regularizedWeights()) {
      const t = term(w);
      total = total ? total.add(t) : t;
    }
  }
  if (!total) throw new ValueError(`${op}: the model has no Linear or Conv2d weights to regularise`);
  return total.mul(lambda / (2 * m));
}

/**
 * The course's L2 regularisation term, λ/(2m)·Σₗ‖W[l]‖²_F, over the layers' weight matrices and
 * kernels (Linear, Conv2d): not biases, BatchNorm's γ or PReLU's slope. Add it to the cost:
 * J = loss + l2Penalty(model, λ, m); `fit({ l2: λ })` does. Its gradient adds (λ/m)·W[l] to dW[l]
 * ("weight decay"), which an optimiser's `weightDecay` applies to every parameter it holds, biases
 * included: the same update only when the optimiser holds just the weights.
 * @example const J = nn.functional.mseLoss(model.forward(x), y).add(nn.l2Penalty(model, 0.7, x.shape[0]!));
 */
export function l2Penalty(model: Module, lambda: number, m: number): Tensor {
  return scoped(() => {
    return weightPenalty('l2Penalty', model, lambda, m, (w) => w.mul(w).sum());
  });
}

/**
 * The course's L1 regularisation term, λ/(2m)·Σₗ‖W[l]‖₁ (the sum of |w|) over the same weights as
 * `l2Penalty`. It pushes weights to exactly zero (sparse W); `fit({ l1: λ })` adds it.
 * @example const J = loss.add(nn.l1Penalty(model, 0.01, m));
 */
export function l1Penalty(model: Module, lambda: number, m: number): Tensor {
  return scoped(() => {
    return weightPenalty('l1Penalty', model, lambda, m, (w) => w.abs().sum());
  });
}

/** The losses `fit` and `evaluate` take by name. */
export type LossName = 'mseLoss' | 'binaryCrossEntropy' | 'binaryCrossEntropyWithLogits' | 'crossEntropy' | 'nllLoss';
/** A loss: the model's output and the targets → a scalar (or per-example losses without reduction). */
export type LossFn = (input: Tensor, target: Tensor) => Tensor;

/** Each loss name's function: the Record type makes a name without a function a compile error. */
const LOSSES: Record<LossName, LossFn> = {
  mseLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, nllLoss,
};

/** A loss function from its name (or the function itself). */
export function resolveLoss(loss: LossName | LossFn, op: string): LossFn {
  if (typeof loss === 'function') return loss;
  const fn = LOSSES[checkOneOf(op, 'loss', loss, Object.keys(LOSSES) as LossName[])];
  return (input, target) => fn(input, target);
}

