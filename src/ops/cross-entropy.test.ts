import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import type { DType } from '../index.js';

const { nn, tensor } = kiln;
const F = nn.functional;

/** Logits [N, C] spanning small and large magnitudes, and labels covering every class. */
function problem(N: number, C: number, dtype: DType) {
  const z = kiln.randn([N, C], { dtype }).mul(tensor(Array.from({ length: N }, (_, i) => [i % 3 === 0 ? 30 : 1]), { dtype }));
  const y = tensor(Array.from({ length: N }, (_, i) => (i * 7) % C), { dtype: 'int32' });
  return { z, y };
}

/** d(reduced loss · weights)/dz, and the loss's values, through `loss`. */
function run(loss: (z: kiln.Tensor) => kiln.Tensor, z0: kiln.Tensor, upstream: (l: kiln.Tensor) => kiln.Tensor) {
  const z = z0.detach().requiresGrad_();
  const l = loss(z);
  upstream(l).backward();
  return { value: Array.from(l.values), grad: Array.from(z.grad!.values), node: l.gradFn?.name };
}

describe('crossEntropy as one op (CPU backends)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      it(`equals nllLoss(logSoftmax(z)) in value and gradient: ${dtype}, reduction ${reduction}`, () => {
        kiln.manualSeed(3);
        const { z, y } = problem(37, 10, dtype);
        // 'none' takes a different upstream gradient per row, so each row's scale is checked.
        const weights = tensor(Array.from({ length: 37 }, (_, i) => (i % 5) - 2), { dtype });
        const upstream = (l: kiln.Tensor) => (reduction === 'none' ? l.mul(weights).sum() : l.mul(3));
        const fused = run((t) => F.crossEntropy(t, y, reduction), z, upstream);
        const composed = run((t) => F.nllLoss(t.logSoftmax(1), y, reduction), z, upstream);
        expect(fused.node).toBe('crossEntropy');
        const tol = dtype === 'float32' ? 2e-6 : 1e-13;
        expect(fused.value.length).toBe(composed.value.length);
        fused.value.forEach((v, i) => expect(Math.abs(v - composed.value[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(composed.value[i]!))));
        fused.grad.forEach((v, i) => expect(Math.abs(v - composed.grad[i]!)).toBeLessThanOrEqual(tol * 10));
      });
    }
  }

  it('gives the course\'s dZ = A − Y over m for the mean', () => {
    const z = tensor([[1, 2, 3], [0, 0, 0]], { requiresGrad: true });
    F.crossEntropy(z, tensor([2, 1], { dtype: 'int32' })).backward();
    const a = z.detach().softmax(1).toArray() as number[][];
    const expected = [[a[0]![0]! / 2, a[0]![1]! / 2, (a[0]![2]! - 1) / 2], [1 / 6, (1 / 3 - 1) / 2, 1 / 6]];
    (z.grad!.toArray() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
  });

  it('trains a softmax classifier as the composition does', () => {
    const train = (loss: (p: kiln.Tensor, y: kiln.Tensor) => kiln.Tensor) => {
      kiln.manualSeed(0);
      const { z: x, y } = problem(64, 4, 'float32');
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 4));
      const opt = new kiln.optim.Adam(model.parameters(), { lr: 0.01 });
      let last = 0;
      for (let s = 0; s < 30; s++) {
        const l = loss(model.forward(x), y);
        opt.zeroGrad(); l.backward(); opt.step();
        last = l.item();
      }
      return last;
    };
    const fused = train((p, y) => F.crossEntropy(p, y));
    const composed = train((p, y) => F.nllLoss(p.logSoftmax(1), y));
    expect(Math.abs(fused - composed)).toBeLessThan(1e-4 * Math.abs(composed));
  });
});
