import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';

const { nn } = kiln;

/** The sample standard deviation of a tensor's values. */
function std(t: kiln.Tensor): number {
  const v = Array.from(t.values);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
}

describe("the course's initialisations, and Glorot's under its own name", () => {
  // W[l] has shape (n[l], n[l−1]) = [out, in]: 200 units fed by 50 (so n[l−1] = 50).
  it('courseXavier draws N(0, 1/n[l−1]), courseHe N(0, 2/n[l−1]), xavierNormal (Glorot) N(0, 2/(n[l−1] + n[l]))', () => {
    kiln.manualSeed(0);
    const sd = (init: kiln.nn.init.WeightInit): number => std(new nn.Linear(50, 200, { init }).weight);
    expect(sd('courseXavier') / Math.sqrt(1 / 50)).toBeCloseTo(1, 1);
    expect(sd('courseHe') / Math.sqrt(2 / 50)).toBeCloseTo(1, 1);
    expect(sd('xavierNormal') / Math.sqrt(2 / 250)).toBeCloseTo(1, 1);
    expect(sd('small') / 0.01).toBeCloseTo(1, 1);
    // The course's np.random.rand: U[0, 1), mean 1/2.
    const u = Array.from(new nn.Linear(50, 200, { init: 'courseUniform' }).weight.values);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(0.5, 1);
    // The course's b[l] = 0 with each of its initialisations.
    for (const init of ['courseXavier', 'courseHe', 'small'] as const) expect(new nn.Linear(5, 3, { init }).bias!.abs().max().item()).toBe(0);
  });

  it('fills conv kernels by n[l−1] = channels·f·f', () => {
    kiln.manualSeed(1);
    const conv = new nn.Conv2d(8, 64, 3, { init: 'courseHe' });
    expect(std(conv.weight) / Math.sqrt(2 / (8 * 9))).toBeCloseTo(1, 1);
  });

  it('keeps the init in the saved config and refuses unknown names', () => {
    expect(new nn.Linear(2, 2, { init: 'courseXavier' }).toConfig().init).toBe('courseXavier');
    expect(() => new nn.Linear(2, 2, { init: 'xavier' as never })).toThrow(/init must be one of default, zeros, small, courseUniform, courseXavier, courseHe, xavierUniform/);
  });
});
