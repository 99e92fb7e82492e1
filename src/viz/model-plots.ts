import { ShapeError, fmtShape } from '../errors.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import type { TensorDataset } from '../train/dataset.js';
import { predict } from '../train/fit.js';
import { boundaryPlot, curvePlot } from './svg.js';
import type { Grid } from './raster.js';
import { checkOptions } from '../validate.js';

/** Points for plotting: a dataset's rows as [x₀, x₁…, label]. Labels are class indices or 0/1. */
function rows(ds: TensorDataset): number[][] {
  const n = ds.length;
  const d = ds.x.size / n;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push([...ds.x.values.subarray(i * d, (i + 1) * d), ds.y.values[i]!]);
  return out;
}

/**
 * What a boundary shades, from a model's outputs [n, c]: with one column, the probability of class
 * 1; with more, each row's class and its probability. Outputs that are not probabilities (or all of
 * them, with `fromLogits`) go through a sigmoid or softmax first.
 */
function shadesOf(out: Tensor, fromLogits: boolean): Pick<Grid, 'values' | 'confidence' | 'classes'> {
  const n = out.shape[0]!;
  const c = out.size / n;
  const v = out.values;
  if (c === 1) {
    const logits = fromLogits || Array.prototype.some.call(v, (p: number) => p < 0 || p > 1);
    return { values: Float32Array.from(v, (z) => (logits ? 1 / (1 + Math.exp(-z)) : z)), classes: 2 };
  }
  const values = new Float32Array(n), confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const row = v.subarray(i * c, (i + 1) * c);
    let best = 0, sum = 0, outside = false;
    for (let j = 0; j < c; j++) {
      if (row[j]! > row[best]!) best = j;
      sum += row[j]!;
      outside ||= row[j]! < 0 || row[j]! > 1;
    }
    let p = row[best]!;
    if (fromLogits || outside || Math.abs(sum - 1) > 1e-3) {
      let z = 0;
      for (let j = 0; j < c; j++) z += Math.exp(row[j]! - row[best]!);
      p = 1 / z;
    }
    values[i] = best;
    confidence[i] = p;
  }
  return { values, confidence, classes: c };
}

/** The model's curve over 1-D data, with the data, as SVG. */
export async function fittedCurveSvg(model: Module, ds: TensorDataset, options: { title: string }): Promise<string> {
  checkOptions('fittedCurveSvg', options, ['title']);
  const { title } = options;
  if (ds.x.size !== ds.length) throw new ShapeError(`fittedCurveSvg: needs 1-D data [n, 1], got x ${fmtShape(ds.x.shape)}`);
  const pts = rows(ds).map(([a, b]) => [a!, b!] as [number, number]);
  const xs = pts.map((p) => p[0]);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const steps = 200;
  const grid = Float32Array.from({ length: steps }, (_, i) => lo + ((hi - lo) * i) / (steps - 1));
  const out = await predict(model, new Tensor(grid, [steps, 1]));
  const curve = Array.from(grid, (g, i) => [g, out.values[i]!] as [number, number]);
  return curvePlot({ title, points: pts, curve, yLabel: 'label / prediction' });
}

/** The model's decision regions over 2-D data, shaded by its confidence, with the data, as SVG. */
export async function decisionBoundarySvg(model: Module, ds: TensorDataset, options: { title: string; fromLogits?: boolean; cells?: number }): Promise<string> {
  checkOptions('decisionBoundarySvg', options, ['title', 'fromLogits', 'cells']);
  const { title, fromLogits = false, cells = 120 } = options;
  if (ds.x.ndim !== 2 || ds.x.shape[1] !== 2) throw new ShapeError(`decisionBoundarySvg: needs 2-D data [n, 2], got x ${fmtShape(ds.x.shape)}`);
  const pts = rows(ds).map(([a, b, c]) => [a!, b!, Math.round(c!)] as [number, number, number]);
  const pad = (lo: number, hi: number): [number, number] => [lo - (hi - lo) * 0.08, hi + (hi - lo) * 0.08];
  const [xMin, xMax] = pad(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])));
  const [yMin, yMax] = pad(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const g = new Float32Array(cells * cells * 2);
  for (let j = 0; j < cells; j++) {
    for (let i = 0; i < cells; i++) {
      g[2 * (j * cells + i)] = xMin + ((i + 0.5) * (xMax - xMin)) / cells;
      g[2 * (j * cells + i) + 1] = yMin + ((j + 0.5) * (yMax - yMin)) / cells;
    }
  }
  const shades = shadesOf(await predict(model, new Tensor(g, [cells * cells, 2])), fromLogits);
  return boundaryPlot({ title, points: pts, grid: { nx: cells, ny: cells, xMin, xMax, yMin, yMax, ...shades } });
}
