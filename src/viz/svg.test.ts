import { describe, expect, it } from 'vitest';
import { lineChart } from './svg.js';

describe('lineChart', () => {
  const ticks = (svg: string): string[] => [...svg.matchAll(/<text y="18" text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]!);

  it('puts epochs 1…n on the x axis by default', () => {
    const svg = lineChart({ title: 'loss', series: [{ name: 'train', values: Array.from({ length: 50 }, (_, i) => 1 / (i + 1)) }] });
    expect(ticks(svg)[0]).toBe('5');
    expect(ticks(svg).at(-1)).toBe('50');
  });

  it("uses the caller's x values when given (an activation over z ∈ [−5, 5])", () => {
    const z = Array.from({ length: 11 }, (_, i) => i - 5);
    const svg = lineChart({ title: 'tanh', xLabel: 'z', xValues: z, series: [{ name: 'g', values: z.map(Math.tanh) }] });
    expect(ticks(svg)).toContain('-4');
    expect(ticks(svg)).toContain('4');
    expect(svg).toContain('>z</text>');
  });
});
