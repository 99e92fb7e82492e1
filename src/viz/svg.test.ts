import { describe, expect, it } from 'vitest';
import { PALETTE, boundaryPlot, lineChart } from './svg.js';

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

describe('boundaryPlot', () => {
  const grid = { nx: 2, ny: 2, xMin: 0, xMax: 1, yMin: 0, yMax: 1, values: [0, 1, 1, 0] };

  it('draws training points filled and test points as rings of their class colour', () => {
    const svg = boundaryPlot({ title: 't', points: [[0.2, 0.2, 0], [0.8, 0.8, 1]], testPoints: [[0.5, 0.5, 1]], grid });
    expect((svg.match(/<circle /g) ?? []).length).toBe(3);
    const rings = svg.match(/<circle class="test"[^>]*>/g) ?? [];
    expect(rings).toHaveLength(1);
    expect(rings[0]).toContain('fill="white"');
    expect(rings[0]).toContain(`stroke="${PALETTE[1]}"`);
    expect(boundaryPlot({ title: 't', points: [[0.2, 0.2, 0]], grid })).not.toContain('class="test"');
    expect(() => boundaryPlot({ title: 't', points: [], grid, testPoint: [] } as never)).toThrow(/testPoint.*testPoints/);
  });
});
