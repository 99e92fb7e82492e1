import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { ValueError } from '../index.js';

// The course's tools for practical training: train/dev/test, exponentially weighted averages,
// the bias/variance reading, random search on a log scale. Checked against the course's numbers.

describe('train/dev/test split', () => {
  const ds = new kiln.TensorDataset(kiln.arange(100, undefined, 1, { dtype: 'float32' }).reshape(100, 1), kiln.arange(100));
  it("splits 60/20/20 by default, every example once, reproducibly by seed", () => {
    const [train, dev, test] = kiln.trainDevTestSplit(ds, { seed: 3 });
    expect([train.length, dev.length, test.length]).toEqual([60, 20, 20]);
    const all = [train, dev, test].flatMap((d) => Array.from(d.y.values)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(kiln.trainDevTestSplit(ds, { seed: 3 })[1].y.values)).toEqual(Array.from(dev.y.values));
    const [big] = kiln.trainDevTestSplit(ds, { devFraction: 0.01, testFraction: 0.01, seed: 0 });
    expect(big.length).toBe(98);
  });
  it('refuses splits that leave a part empty', () => {
    expect(() => kiln.trainDevTestSplit(ds, { devFraction: 0.6, testFraction: 0.4 })).toThrow(/leave a part empty \(dev 60, test 40, train 0\)/);
    expect(() => kiln.trainDevTestSplit(ds, { devFraction: 0.001 })).toThrow(ValueError);
  });
});

describe('exponentially weighted averages', () => {
  // The course's temperatures: θ₁ = 40, θ₂ = 49, θ₃ = 45 with β = 0.9.
  it("computes v_t = β·v_{t−1} + (1 − β)·θ_t from v₀ = 0, and its bias correction v_t/(1 − βᵗ)", () => {
    const raw = kiln.exponentiallyWeightedAverage([40, 49, 45], { beta: 0.9, biasCorrection: false });
    [4, 8.5, 12.15].forEach((v, i) => expect(raw[i]).toBeCloseTo(v, 12));
    const corrected = kiln.exponentiallyWeightedAverage([40, 49, 45], { beta: 0.9 });
    [40, 8.5 / 0.19, 12.15 / 0.271].forEach((v, i) => expect(corrected[i]).toBeCloseTo(v, 12));
  });
  it('averages over about 1/(1 − β) values: β = 0.98 is smoother and later than 0.9, 0.5 noisier', () => {
    kiln.manualSeed(0);
    const series = Array.from({ length: 400 }, (_, t) => Math.sin(t / 40) + kiln.randn([1]).item());
    const roughness = (v: number[]): number => v.slice(1).reduce((s, x, i) => s + Math.abs(x - v[i]!), 0);
    const [b5, b9, b98] = [0.5, 0.9, 0.98].map((beta) => roughness(kiln.exponentiallyWeightedAverage(series, { beta })));
    expect(b98!).toBeLessThan(b9!);
    expect(b9!).toBeLessThan(b5!);
  });
  it('refuses β outside [0, 1) and non-numbers', () => {
    expect(() => kiln.exponentiallyWeightedAverage([1], { beta: 1 })).toThrow(ValueError);
    expect(() => kiln.exponentiallyWeightedAverage([1, NaN], { beta: 0.9 })).toThrow('exponentiallyWeightedAverage: value 1 is NaN; the series must be finite numbers');
  });
});

describe('bias and variance', () => {
  // The course's four cases (human error ≈ 0%).
  it.each([
    [0.01, 0.11, 'high variance'],
    [0.15, 0.16, 'high bias'],
    [0.15, 0.30, 'high bias and high variance'],
    [0.005, 0.01, 'low bias and low variance'],
  ] as const)('train error %s, dev error %s → %s', (trainError, devError, diagnosis) => {
    const r = kiln.biasVariance({ trainError, devError });
    expect(r.diagnosis).toBe(diagnosis);
    expect(r.advice.length).toBeGreaterThan(20);
  });
  it('measures bias from the base error when it is given (15% error is fine if people get 15% too)', () => {
    expect(kiln.biasVariance({ trainError: 0.15, devError: 0.16, baseError: 0.15 }).diagnosis).toBe('low bias and low variance');
  });
});

describe('random search', () => {
  it('draws a learning rate on a log scale: each decade of [1e-4, 1] gets about a quarter', async () => {
    const lrs: number[] = [];
    await kiln.randomSearch({ lr: { logUniform: [1e-4, 1] } }, ({ lr }) => { lrs.push(lr as number); return 0; }, { trials: 2000, seed: 1 });
    const decades = [0, 0, 0, 0];
    for (const lr of lrs) decades[Math.min(3, Math.floor(Math.log10(lr) + 4))]!++;
    for (const d of decades) expect(d / 2000).toBeGreaterThan(0.2), expect(d / 2000).toBeLessThan(0.3);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1);
  });

  it('draws β near 1 on a log scale of 1 − β: as many in [0.9, 0.99] as in [0.99, 0.999]', async () => {
    const betas: number[] = [];
    await kiln.randomSearch({ beta: { oneMinusLogUniform: [0.9, 0.999] } }, ({ beta }) => { betas.push(beta as number); return 0; }, { trials: 2000, seed: 2 });
    const high = betas.filter((b) => b > 0.99).length / 2000;
    expect(high).toBeGreaterThan(0.45);
    expect(high).toBeLessThan(0.55);
  });

  it('returns the trials best first with a table, and finds the good region of a real model', async () => {
    kiln.manualSeed(0);
    const [train, dev] = kiln.trainTestSplit(kiln.data.moons({ n: 200, seed: 0 }), { testFraction: 0.25, seed: 0 });
    const r = await kiln.randomSearch(
      { lr: { logUniform: [1e-5, 1] }, hidden: { choice: [4, 8] } },
      async ({ lr, hidden }) => {
        kiln.manualSeed(0);
        const net = new kiln.nn.Sequential(new kiln.nn.Linear(2, hidden as number), new kiln.nn.Tanh(), new kiln.nn.Linear(hidden as number, 1));
        await kiln.fit(net, train, { epochs: 60, batchSize: 'full', loss: 'binaryCrossEntropyWithLogits', optimizer: new kiln.optim.Adam(net.parameters(), { lr: lr as number }) });
        return 1 - (await kiln.evaluate(net, dev, { loss: 'binaryCrossEntropyWithLogits', metrics: ['accuracy'] })).accuracy!;
      },
      { trials: 8, seed: 4 },
    );
    expect(r.trials.map((t) => t.score)).toEqual([...r.trials.map((t) => t.score)].sort((a, b) => a - b));
    expect(r.best.score).toBeLessThan(0.2);
    expect(r.best.params.lr as number).toBeGreaterThan(1e-3);   // tiny rates barely move in 60 epochs
    const lines = r.table().split('\n');
    expect(lines[0]).toMatch(/#\s+lr\s+hidden\s+score/);
    expect(lines).toHaveLength(9);
  });

  it('refuses a bad space or objective', async () => {
    await expect(kiln.randomSearch({}, () => 0, { trials: 1 })).rejects.toThrow(/the space is empty/);
    await expect(kiln.randomSearch({ lr: { logUniform: [0, 1] } }, () => 0, { trials: 1 })).rejects.toThrow('randomSearch: lr needs a range [low, high] with low < high and low > 0, got [0,1]');
    await expect(kiln.randomSearch({ lr: { uniform: [0, 1] } }, () => NaN, { trials: 1 })).rejects.toThrow(/returned NaN/);
    await expect(kiln.randomSearch({ lr: { uniform: [0, 1] } }, () => 0, { trial: 1 } as never)).rejects.toThrow('did you mean "trials"?');
  });
});
