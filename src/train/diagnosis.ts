import { checkOptions, checkRange } from '../validate.js';

/** The course's reading of train and dev error against the error a person (or the best model) makes. */
export interface BiasVariance {
  trainError: number;
  devError: number;
  /** The error to aim for ("Bayes error", about human level); 0 unless given. */
  baseError: number;
  /** trainError − baseError: how far the model is from fitting the training set. */
  avoidableBias: number;
  /** devError − trainError: how much worse it does on examples it did not train on. */
  variance: number;
  diagnosis: 'high bias' | 'high variance' | 'high bias and high variance' | 'low bias and low variance';
  /** The course's advice for that diagnosis, in words. */
  advice: string;
}

/**
 * Bias and variance from train and dev error, as the course reads them: a train error well above the
 * base error is high (avoidable) bias, a dev error well above the train error is high variance.
 * "Well above" is `threshold` (default 0.02: two points of error).
 * @example kiln.biasVariance({ trainError: 0.01, devError: 0.11 }).diagnosis   // 'high variance'
 */
export function biasVariance(o: { trainError: number; devError: number; baseError?: number; threshold?: number }): BiasVariance {
  checkOptions('biasVariance', o, ['trainError', 'devError', 'baseError', 'threshold']);
  const trainError = checkRange('biasVariance', 'trainError', o.trainError, { min: 0, max: 1 });
  const devError = checkRange('biasVariance', 'devError', o.devError, { min: 0, max: 1 });
  const baseError = checkRange('biasVariance', 'baseError', o.baseError ?? 0, { min: 0, max: 1 });
  const threshold = checkRange('biasVariance', 'threshold', o.threshold ?? 0.02, { min: 0, max: 1 });
  const avoidableBias = trainError - baseError;
  const variance = devError - trainError;
  const bias = avoidableBias > threshold, high = variance > threshold;
  const diagnosis = bias && high ? 'high bias and high variance' : bias ? 'high bias' : high ? 'high variance' : 'low bias and low variance';
  const advice = {
    'high bias': 'the model does not fit the training set: try a bigger network (more units or layers), train longer, or a better optimiser',
    'high variance': 'the model does not generalise: get more training data, add regularisation (L2, dropout), or try a smaller network',
    'high bias and high variance': 'first fit the training set (a bigger network, longer training), then regularise or get more data',
    'low bias and low variance': 'train and dev errors are both close to the base error: nothing to fix here',
  }[diagnosis];
  return { trainError, devError, baseError, avoidableBias, variance, diagnosis, advice };
}
