import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { PALETTE, boundaryPlot, lineChart } from './svg.js';
import { boundaryRaster, divergingColour } from './raster.js';

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

  it('shades the plane with one embedded PNG of the confidence, not a rectangle per cell', () => {
    const n = 120;
    const values = Float32Array.from({ length: n * n }, (_, k) => (k % n) / (n - 1)); // P(class 1) rising left to right
    const svg = boundaryPlot({ title: 't', points: [], grid: { nx: n, ny: n, xMin: 0, xMax: 1, yMin: 0, yMax: 1, values } });
    expect(svg).not.toContain('<rect x="60.');
    const uri = /href="data:image\/png;base64,([^"]+)"/.exec(svg)![1]!;
    const png = decode(Buffer.from(uri, 'base64'));
    expect([png.width, png.height, png.channels]).toEqual([n, n, 4]);
    expect(Array.from(png.data.subarray(0, 4 * n * n))).toEqual(Array.from(boundaryRaster({ nx: n, ny: n, xMin: 0, xMax: 1, yMin: 0, yMax: 1, values })));
    expect(svg.length).toBeLessThan(30_000); // the 6,400 rectangles it replaced took 585 KB
  });
});

describe('boundaryRaster', () => {
  const px = (r: Uint8ClampedArray, k: number): number[] => Array.from(r.subarray(4 * k, 4 * k + 3));
  const blue = [0x1f, 0x77, 0xb4], orange = [0xff, 0x7f, 0x0e];
  const toward = (c: number[], a: number): number[] => c.map((v) => Math.round(255 + (v - 255) * a));

  it('is white where the model is unsure and its class\'s colour as it grows sure, top row first', () => {
    // Cells (row-major from yMin): P = 0, 0.5 / 1, 0.75. The raster's first row is the top (yMax).
    const r = boundaryRaster({ nx: 2, ny: 2, xMin: 0, xMax: 1, yMin: 0, yMax: 1, values: [0, 0.5, 1, 0.75] });
    expect(px(r, 0)).toEqual(toward(orange, 0.7));
    expect(px(r, 1)).toEqual(toward(orange, 0.35));
    expect(px(r, 2)).toEqual(toward(blue, 0.7));
    expect(px(r, 3)).toEqual([255, 255, 255]);
    // Discretized: every cell its class's colour at one strength, so only the boundary shows.
    const d = boundaryRaster({ nx: 2, ny: 2, xMin: 0, xMax: 1, yMin: 0, yMax: 1, values: [0, 0.5, 1, 0.75] }, { discretize: true });
    expect(px(d, 0)).toEqual(px(d, 1));
    expect(px(d, 3)).toEqual(toward(orange, 0.45));
  });

  it('shades more classes by the predicted class\'s probability, from a guess (1/K) to certain', () => {
    const r = boundaryRaster({ nx: 3, ny: 1, xMin: 0, xMax: 1, yMin: 0, yMax: 1, values: [2, 0, 1], confidence: [1, 1 / 3, 2 / 3], classes: 3 });
    expect(px(r, 0)).toEqual(toward([0x2c, 0xa0, 0x2c], 0.7));
    expect(px(r, 1)).toEqual([255, 255, 255]);
    expect(px(r, 2)).toEqual(toward(orange, 0.35));
  });

  it('shades a regression\'s predictions by the diverging map: −1 blue, 0 white, 1 orange', () => {
    const r = boundaryRaster({ nx: 3, ny: 1, xMin: 0, xMax: 1, yMin: 0, yMax: 1, values: [-1, 0, 0.5], regression: true });
    expect([px(r, 0), px(r, 1), px(r, 2)]).toEqual([divergingColour(-1), divergingColour(0), divergingColour(0.5)]);
  });

  it('maps −1 … 1 to blue … white … orange for the heatmaps', () => {
    expect(divergingColour(0)).toEqual([255, 255, 255]);
    expect(divergingColour(5)).toEqual(toward(orange, 0.7));
    expect(divergingColour(-1)).toEqual(toward(blue, 0.7));
    expect(divergingColour(NaN)).toEqual([255, 255, 255]);
  });
});

describe('networkDiagram', () => {
  it('draws an edge per weight (width by size, colour by sign), the units, and the inputs by name', async () => {
    const { networkDiagram } = await import('./network.js');
    const d = networkDiagram({ weights: [[[1, -2], [0.5, 0], [-1, 1]], [[2, -0.5, 1]]], inputNames: ['x₁', 'x₂'] });
    expect((d.svg.match(/<line class="edge"/g) ?? []).length).toBe(2 * 3 + 3);
    expect((d.svg.match(/<circle /g) ?? []).length).toBe(2 + 3 + 1);
    expect(d.svg).toContain('<title>W[1][1,2] = -2</title>');
    expect(d.svg).toMatch(/data-layer="1" data-out="0" data-in="1" data-value="-2"><line[^>]*\/><line class="edge"[^>]*stroke="#4c78a8" stroke-width="4.30"/);
    expect(d.svg).toContain('>x₂</text>');
    expect(d.nodes.filter((n) => n.layer === 1).map((n) => n.index)).toEqual([0, 1, 2]);
    // The playground draws units as heatmaps itself: only the output keeps its circle.
    expect((networkDiagram({ weights: [[[1, 2]]], circles: 'output' }).svg.match(/<circle /g) ?? []).length).toBe(1);
    expect(() => networkDiagram({ weights: [] })).toThrow(/no weights/);
  });
});
