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

  it('the course\'s L2 term λ/(2m)·Σ‖W‖² counts weights, not biases; weight decay matches it on the weights only', () => {
    const l = new nn.Linear(2, 1);
    kiln.noGrad(() => { l.weight.copy_(tensor([[3, 4]])); l.bias!.fill_(10); });
    expect(nn.l2Penalty(l, 0.5, 5).item()).toBeCloseTo((0.5 / 10) * 25, 6);
    // One SGD step on J + λ/(2m)‖W‖² moves W as one step on J with weightDecay λ/m, but weightDecay
    // also shrinks the bias, which the course's term leaves alone.
    const x = tensor([[1, 2], [3, -1]]);
    const y = tensor([[1], [0]]);
    const step = (useL2: boolean): [number[], number] => {
      const m = new nn.Linear(2, 1, { init: 'zeros' });
      kiln.noGrad(() => { m.weight.copy_(tensor([[0.5, -0.5]])); m.bias!.fill_(2); });
      const opt = new optim.SGD(m.parameters(), { lr: 0.1, weightDecay: useL2 ? 0 : 0.7 / 2 });
      let loss = F.mseLoss(m.forward(x), y);
      if (useL2) loss = loss.add(nn.l2Penalty(m, 0.7, 2));
      loss.backward();
      opt.step();
      return [Array.from(m.weight.values), m.bias!.item()];
    };
    const [[wL2, bL2], [wDecay, bDecay]] = [step(true), step(false)];
    wL2.forEach((v, i) => expect(v).toBeCloseTo(wDecay[i]!, 6));
    expect(bL2 - bDecay).toBeCloseTo(0.1 * (0.7 / 2) * 2, 6);
    expect(() => nn.l2Penalty(l, -1, 5)).toThrow(ValueError);
  });

  it('penalises the layers\' W[l] and kernels only: not BatchNorm\'s γ nor PReLU\'s slope', () => {
    const net = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.PReLU(1, 0.01), new nn.Flatten(), new nn.Linear(8, 1));
    kiln.noGrad(() => { for (const p of net.parameters()) p.fill_(1); });
    // Conv kernels 2·1·3·3 = 18 ones, Linear 8 ones: Σ‖W‖² = 26 (γ, β, the slope and biases left out).
    expect(nn.l2Penalty(net, 2, 1).item()).toBeCloseTo(26, 6);
    expect(() => nn.l2Penalty(new nn.Sequential(new nn.ReLU()), 1, 1)).toThrow('l2Penalty: the model has no Linear or Conv2d weights to regularise');
  });

  it('L1 is λ/(2m)·Σ|W| with gradient (λ/2m)·sign(W), and drives weights to exactly zero', async () => {
    const l = new nn.Linear(3, 1);
    kiln.noGrad(() => { l.weight.copy_(tensor([[-2, 0.5, 3]])); l.bias!.fill_(-7); });
    const pen = nn.l1Penalty(l, 0.4, 2);
    expect(pen.item()).toBeCloseTo((0.4 / 4) * 5.5, 6);
    pen.backward();
    expect(Array.from(l.weight.grad!.values)).toEqual([-0.1, 0.1, 0.1].map(Math.fround));
    expect(l.bias!.grad).toBeNull();
    // y = 2·x₁ + 0.1·x₂: without L1 the small weight is learnt (≈ 0.1); with λ/(2m) = 0.25, above
    // the data's pull on it (2·0.1·var(x₂) ≈ 0.2), L1 holds it at zero, up to GD's dithering by a step.
    kiln.manualSeed(0);
    const x = kiln.randn([64, 2]);
    const y = x.matmul(tensor([[2], [0.1]]));
    const fitWith = async (l1: number): Promise<number[]> => {
      const m = new nn.Linear(2, 1);
      await kiln.fit(m, new kiln.TensorDataset(x, y), { epochs: 400, batchSize: 'full', loss: 'mseLoss', l1, optimizer: new optim.SGD(m.parameters(), { lr: 0.05 }) });
      return Array.from(m.weight.values);
    };
    const [plain, sparse] = [await fitWith(0), await fitWith(32)];
    expect(plain[1]).toBeCloseTo(0.1, 2);
    expect(Math.abs(sparse[1]!)).toBeLessThan(0.025);   // one GD step: α·(0.25 + 0.2)
    expect(sparse[0]).toBeGreaterThan(1.5);
  });
});
