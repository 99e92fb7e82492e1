import { scaleLinear } from 'd3-scale';
import type { ScaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { checkOptions } from '../validate.js';
import { PALETTE, boundaryPng } from './raster.js';
import type { Grid } from './raster.js';

export { PALETTE };
export type { Grid };

// SVG charts as strings, shared by the CLI (written to files) and the playground (put in the
// page). d3-scale picks the domains and ticks; d3-shape draws the lines.

const W = 640, H = 400;
const M = { top: 36, right: 20, bottom: 46, left: 60 };

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(+v.toPrecision(4)));

function frame(title: string, x: ScaleLinear<number, number>, y: ScaleLinear<number, number>, xLabel: string, yLabel: string, body: string, background = true): string {
  const xt = x.ticks(8).map((t) => `<g transform="translate(${x(t)},${H - M.bottom})"><line y2="5" stroke="#333"/><text y="18" text-anchor="middle">${fmt(t)}</text></g>`).join('');
  const yt = y.ticks(6).map((t) => `<g transform="translate(${M.left},${y(t)})"><line x2="-5" stroke="#333"/><text x="-8" dy="4" text-anchor="end">${fmt(t)}</text></g>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
${background ? `<rect width="${W}" height="${H}" fill="white"/>` : ''}
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>
${body}
<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333"/>
${xt}${yt}
<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(16,${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
</svg>
`;
}

const xRange = [M.left, W - M.right];
const yRange = [H - M.bottom, M.top];

function extent(values: number[], pad = 0): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

export interface Series { name: string; values: number[] }

/** Curves over epochs (loss, accuracy…), one colour each, with a legend. */
export function lineChart(options: { title: string; series: Series[]; xLabel?: string; yLabel?: string; xValues?: number[] }): string {
  checkOptions('lineChart', options, ['title', 'series', 'xLabel', 'yLabel', 'xValues']);
  const { title, series, xLabel = 'epoch', yLabel = '', xValues } = options;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  // x: the epoch (1, 2, …) unless the caller gives each point's x (e.g. z for an activation's plot).
  const xOf = (i: number): number => xValues?.[i] ?? i + 1;
  const x = scaleLinear().domain(xValues ? extent(xValues) : [1, Math.max(n, 2)]).range(xRange);
  const y = scaleLinear().domain(extent(series.flatMap((s) => s.values), 0.05)).nice().range(yRange);
  const path = line<number>().x((_, i) => x(xOf(i))).y((v) => y(v)).defined(Number.isFinite);
  const body = series.map((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    return `<path d="${path(s.values) ?? ''}" fill="none" stroke="${c}" stroke-width="2"/>
<g transform="translate(${W - M.right - 120},${M.top + 16 + i * 16})"><line x2="18" y1="-4" y2="-4" stroke="${c}" stroke-width="2"/><text x="24">${esc(s.name)}</text></g>`;
  }).join('\n');
  return frame(title, x, y, xLabel, yLabel, body);
}

/** 1-D data: the points (x, label) and the model's fitted curve over them. */
export function curvePlot(options: { title: string; points: [number, number][]; curve: [number, number][]; xLabel?: string; yLabel?: string }): string {
  checkOptions('curvePlot', options, ['title', 'points', 'curve', 'xLabel', 'yLabel']);
  const { title, points, curve, xLabel = 'x', yLabel = 'y' } = options;
  const x = scaleLinear().domain(extent([...points.map((p) => p[0]), ...curve.map((p) => p[0])])).nice().range(xRange);
  const y = scaleLinear().domain(extent([...points.map((p) => p[1]), ...curve.map((p) => p[1])], 0.05)).nice().range(yRange);
  const dots = points.map(([a, b]) => `<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3.5" fill="${PALETTE[b >= 0.5 ? 1 : 0]}" fill-opacity="0.7"/>`).join('');
  const path = line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1]));
  return frame(title, x, y, xLabel, yLabel, `${dots}\n<path d="${path(curve) ?? ''}" fill="none" stroke="#222" stroke-width="2.5"/>`);
}


/** Where the plot area sits in a chart's 640×400 frame: the playground lays its canvas there. */
export const PLOT_AREA = { width: W, height: H, left: M.left, top: M.top, right: W - M.right, bottom: H - M.bottom } as const;

/**
 * 2-D data: the model's confidence over the plane as a shaded image (boundaryRaster: white where it
 * is unsure, its class's colour where sure), the points on top: the training points filled, the
 * `testPoints` (when given) as rings of their class's colour. With a grid of no cells: the frame and
 * points alone on a transparent background (the playground draws the shading on a canvas beneath).
 */
export function boundaryPlot(options: { title: string; points: [number, number, number][]; testPoints?: [number, number, number][]; grid: Grid; xLabel?: string; yLabel?: string; discretize?: boolean }): string {
  checkOptions('boundaryPlot', options, ['title', 'points', 'testPoints', 'grid', 'xLabel', 'yLabel', 'discretize']);
  const { title, points, testPoints = [], grid, xLabel = 'x₁', yLabel = 'x₂', discretize = false } = options;
  const x = scaleLinear().domain([grid.xMin, grid.xMax]).range(xRange);
  const y = scaleLinear().domain([grid.yMin, grid.yMax]).range(yRange);
  const image = grid.nx * grid.ny > 0
    ? `<image x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" preserveAspectRatio="none" href="${boundaryPng(grid, { discretize })}"/>`
    : '';
  const dots = points.map(([a, b, c]) => `<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3" fill="${PALETTE[c % PALETTE.length]}" stroke="white" stroke-width="1"/>`).join('')
    + testPoints.map(([a, b, c]) => `<circle class="test" cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3.5" fill="white" stroke="${PALETTE[c % PALETTE.length]}" stroke-width="1.5"/>`).join('');
  return frame(title, x, y, xLabel, yLabel, `${image}\n${dots}`, image !== '');
}
