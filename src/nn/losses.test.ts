import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { DTypeError, ShapeError, ValueError } from '../index.js';

const { nn, tensor, optim } = kiln;
const F = nn.functional;

describe('losses', () => {
  it('reduce by mean, sum or none', () => {
    const p = tensor([[1], [3]]);
    const y = tensor([[0], [1]]);
    expect(F.mseLoss(p, y).item()).toBe(2.5);
    expect(F.mseLoss(p, y, 'sum').item()).toBe(5);
    expect(F.mseLoss(p, y, 'none').toArray()).toEqual([[1], [4]]);
    expect(() => F.mseLoss(p, y, 'avg' as never)).toThrow(/reduction must be one of mean, sum, none/);
  });

  it('give finite, exact values at logits of ±1000', () => {
    const z = tensor([[1000], [-1000]], { requiresGrad: true });
    const l = F.binaryCrossEntropyWithLogits(z, tensor([[0], [1]]), 'none');
    expect(l.toArray()).toEqual([[1000], [1000]]);
    l.sum().backward();
    expect(z.grad!.toArray()).toEqual([[1], [-1]]);
    expect(F.crossEntropy(tensor([[1000, 0, -1000]]), tensor([2], { dtype: 'int32' })).item()).toBe(2000);
    expect(F.binaryCrossEntropy(tensor([[0], [1]]), tensor([[1], [0]])).item()).toBe(100);
  });

  it('name the problem on bad input', () => {
    expect(() => F.mseLoss(kiln.zeros([4, 1]), kiln.zeros([4]))).toThrow(ShapeError);
    expect(() => F.mseLoss(kiln.zeros([4, 1]), kiln.zeros([4]))).toThrow('mseLoss: input [4, 1] and target [4] must have the same shape; reshape the target with target.reshape([4, 1])');
    expect(() => F.crossEntropy(kiln.zeros([2, 3]), tensor([0, 3], { dtype: 'int32' }))).toThrow('crossEntropy: label 3 at row 1 is out of range for 3 classes (labels must be 0…2)');
    expect(() => F.crossEntropy(kiln.zeros([2, 3]), tensor([0, -1], { dtype: 'int32' }))).toThrow(ValueError);
    expect(() => F.crossEntropy(kiln.zeros([2, 3]), tensor([0, 1]))).toThrow(DTypeError);
    expect(() => F.nllLoss(kiln.zeros([2, 3]), tensor([0], { dtype: 'int32' }))).toThrow(/target must be \[2\]/);
    expect(() => F.binaryCrossEntropy(tensor([[1.5]]), tensor([[1]]))).toThrow(/probabilities in \[0, 1\], got 1.5/);
  });

  it('the course\'s L2 term λ/(2m)·Σ‖W‖² counts weights, not biases, and matches SGD weight decay', () => {
    const l = new nn.Linear(2, 1);
    kiln.noGrad(() => { l.weight.copy_(tensor([[3, 4]])); l.bias!.fill_(10); });
    expect(nn.l2Penalty(l, 0.5, 5).item()).toBeCloseTo((0.5 / 10) * 25, 6);
    // One SGD step on J + λ/(2m)‖W‖² equals one step on J with weightDecay λ/m.
    const x = tensor([[1, 2], [3, -1]]);
    const y = tensor([[1], [0]]);
    const step = (useL2: boolean): number[] => {
      const m = new nn.Linear(2, 1, { init: 'zeros' });
      kiln.noGrad(() => m.weight.copy_(tensor([[0.5, -0.5]])));
      const opt = new optim.SGD(m.parameters(), { lr: 0.1, weightDecay: useL2 ? 0 : 0.7 / 2 });
      let loss = F.mseLoss(m.forward(x), y);
      if (useL2) loss = loss.add(nn.l2Penalty(m, 0.7, 2));
      loss.backward();
      opt.step();
      return Array.from(m.weight.data);
    };
    step(true).forEach((v, i) => expect(v).toBeCloseTo(step(false)[i]!, 6));
    expect(() => nn.l2Penalty(l, -1, 5)).toThrow(ValueError);
  });
});
