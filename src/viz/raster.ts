import { encode } from 'fast-png';

// The decision boundary as pixels, shared by the CLI (a PNG inside its SVG) and the playground (a
// canvas): each cell white where the model is unsure, taking on its class's colour as the model
// grows confident, as TensorFlow Playground shades it. Also the diverging map of the neuron heatmaps.

/** Colours of the two classes (and of further series): blue, orange, green, red, purple. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

export interface Grid {
  /** Cells per side. */
  nx: number; ny: number;
  xMin: number; xMax: number; yMin: number; yMax: number;
  /**
   * For each cell, row-major from (xMin, yMin): with two classes, the probability of class 1; with
   * more, the predicted class (and its probability in `confidence`).
   */
  values: ArrayLike<number>;
  /** With more than two classes: the probability of each cell's predicted class. */
  confidence?: ArrayLike<number>;
  /** How many classes (default: 2 unless `confidence` is given). */
  classes?: number;
  /** Regression: `values` are predictions of a real target in about [−1, 1], shaded by the diverging map. */
  regression?: boolean;
}

const rgbOf = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const RGB = PALETTE.map(rgbOf);
/** How far toward its class's colour a fully confident cell goes (the points stay readable on it). */
const STRONGEST = 0.7;

/** White blended toward `rgb` by a ∈ [0, 1]. */
const tint = (rgb: readonly number[], a: number): [number, number, number] => [0, 1, 2].map((k) => Math.round(255 + (rgb[k]! - 255) * a)) as [number, number, number];

/**
 * The diverging map of the neuron heatmaps and weights: t ∈ [−1, 1], blue below 0, white at 0,
 * orange above (the classes' colours: a unit's sign says which class it pushes toward).
 */
export function divergingColour(t: number): [number, number, number] {
  const c = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  return tint(RGB[c >= 0 ? 1 : 0]!, Math.abs(c) * STRONGEST);
}

/**
 * The grid's cells as RGBA pixels, nx × ny, top row first (yMax at the top, as drawn). With
 * `discretize`, each cell takes its class's colour at one strength: the boundary without the shading.
 */
export function boundaryRaster(grid: Grid, options: { discretize?: boolean } = {}): Uint8ClampedArray {
  const { nx, ny, values, confidence } = grid;
  const classes = grid.classes ?? (confidence ? Math.max(3, ...Array.from(values, (v) => v + 1)) : 2);
  const out = new Uint8ClampedArray(nx * ny * 4);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = values[j * nx + i]!;
      let cls: number, sure: number;
      if (grid.regression) {
        cls = v >= 0 ? 1 : 0;
        sure = Math.abs(v);
      } else if (classes === 2 && !confidence) {
        cls = v >= 0.5 ? 1 : 0;
        sure = Math.abs(2 * v - 1);
      } else {
        cls = v;
        // From 1/K (a guess) to 1 (certain).
        sure = Math.max(0, ((confidence?.[j * nx + i] ?? 1) - 1 / classes) / (1 - 1 / classes));
      }
      const [r, g, b] = tint(RGB[cls % RGB.length]!, options.discretize ? 0.45 : Math.min(1, sure) * STRONGEST);
      const at = 4 * ((ny - 1 - j) * nx + i);
      out[at] = r; out[at + 1] = g; out[at + 2] = b; out[at + 3] = 255;
    }
  }
  return out;
}

/** The raster as a PNG data URL (for an SVG's <image>): tens of KB where rectangles took hundreds. */
export function boundaryPng(grid: Grid, options: { discretize?: boolean } = {}): string {
  const png = encode({ width: grid.nx, height: grid.ny, data: boundaryRaster(grid, options), channels: 4, depth: 8 });
  let text = '';
  for (let i = 0; i < png.length; i += 0x8000) text += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(text)}`;
}
