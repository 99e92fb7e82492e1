import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';

describe('confusionMatrix', () => {
  it('counts true class against predicted class: rows the truth, the diagonal right', async () => {
    const scores = kiln.tensor([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]]);
    const truth = kiln.tensor(new Int32Array([0, 1, 2, 2, 1]));
    expect(await kiln.confusionMatrix(scores, truth)).toEqual([[1, 0, 0], [1, 1, 0], [0, 1, 1]]);
  });

  it('reads one column as the probability of class 1 (or its logit)', async () => {
    const p = kiln.tensor([[0.2], [0.7], [0.5], [0.1]]);
    const y = kiln.tensor([[0], [1], [0], [1]]);
    expect(await kiln.confusionMatrix(p, y)).toEqual([[1, 1], [1, 1]]);
    expect(await kiln.confusionMatrix(kiln.tensor([-2, 3, -0.1]), kiln.tensor([0, 1, 1]), { fromLogits: true })).toEqual([[1, 0], [1, 1]]);
  });

  it('says what is wrong with mismatched or out-of-range targets', async () => {
    await expect(kiln.confusionMatrix(kiln.zeros([4, 3]), kiln.zeros([3]))).rejects.toThrow('confusionMatrix: 4 outputs (shape [4, 3]) but 3 targets (shape [3]); give one target per example');
    await expect(kiln.confusionMatrix(kiln.zeros([2, 3]), kiln.tensor(new Int32Array([0, 3])))).rejects.toThrow('target 1 is 3, not a class index from 0 to 2');
  });
});
