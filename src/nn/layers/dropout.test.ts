import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';

const { nn, ones, manualSeed } = kiln;

describe('Dropout (inverted)', () => {
  it('keeps the expected activation: kept values are divided by 1 − p', () => {
    manualSeed(0);
    const d = new nn.Dropout(0.2); // keep_prob 0.8
    const y = d.forward(ones([200, 100]));
    const values = new Set(Array.from(y.values).map((v) => Math.round(v * 1e6) / 1e6));
    expect(values).toEqual(new Set([0, 1.25]));
    expect(y.mean().item()).toBeCloseTo(1, 1);
    const kept = Array.from(y.values).filter((v) => v > 0).length / y.size;
    expect(kept).toBeCloseTo(0.8, 1.5);
  });

  it('drops where the seeded generator\'s draws fall below p, and leaves the generator past them', () => {
    manualSeed(7);
    const u = kiln.rand([1001], { dtype: 'float64' });
    const after = kiln.rand([3], { dtype: 'float64' });
    manualSeed(7);
    const y = kiln.nn.functional.dropout(ones([7, 143]), 0.3);
    expect(Array.from(y.values)).toEqual(Array.from(u.values, (v) => (v >= 0.3 ? Math.fround(1 / 0.7) : 0)));
    expect(Array.from(kiln.rand([3], { dtype: 'float64' }).values)).toEqual(Array.from(after.values));
  });

  it('does nothing in eval mode', () => {
    const d = new nn.Dropout(0.5).eval();
    const x = kiln.randn([3, 4]);
    expect(d.forward(x)).toBe(x);
  });

  it('passes gradients only through kept units, scaled', () => {
    manualSeed(1);
    const x = ones([1000], { requiresGrad: true });
    const y = new nn.Dropout(0.5).forward(x);
    y.sum().backward();
    expect(Array.from(x.grad!.values)).toEqual(Array.from(y.values));
  });

  it('rejects a drop probability outside [0, 1)', () => {
    expect(() => new nn.Dropout(1)).toThrow(/p \(the drop probability, 1 − keep_prob\) must be ≥ 0 and < 1, got 1/);
    expect(() => new nn.Dropout(-0.1)).toThrow(kiln.ValueError);
  });
});
