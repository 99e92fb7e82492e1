import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../train/dataset.js';
import { checkInt, checkOptions, checkRange } from '../validate.js';
import { Generator } from '../tensor/random.js';
import type { PlanarOptions } from './planar.js';

// Two-dimensional regression sets, as in TensorFlow Playground: points uniform in [−1, 1]², each
// with a real-valued target y: [n, 1] in about [−1, 1] (for mseLoss and a linear output), seeded.

function sample(name: string, o: PlanarOptions, f: (a: number, b: number) => number): TensorDataset {
  checkOptions(name, o, ['n', 'noise', 'seed']);
  const n = checkInt(name, 'n', o.n ?? 400, 2);
  const noise = checkRange(name, 'noise', o.noise ?? 0.05, { min: 0 });
  const g = new Generator(o.seed ?? 0);
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = g.uniform() * 2 - 1, b = g.uniform() * 2 - 1;
    x[2 * i] = a; x[2 * i + 1] = b;
    y[i] = f(a, b) + g.normal() * noise;
  }
  return new TensorDataset(new Tensor(x, [n, 2]), new Tensor(y, [n, 1]));
}

/** A tilted plane, y = (x₁ + x₂) / 2 (+ noise on y): what one linear unit fits exactly. */
export function plane(o: PlanarOptions = {}): TensorDataset {
  return sample('plane', o, (a, b) => (a + b) / 2);
}

/** Bumps up and down at the corners and centres of a 3×2 grid: y = Σ ±exp(−‖x − c‖² / 2σ²), σ = 0.3. */
const BUMPS: [number, number, number][] = [[-0.6, -0.5, 1], [0, -0.5, -1], [0.6, -0.5, 1], [-0.6, 0.5, -1], [0, 0.5, 1], [0.6, 0.5, -1]];
export function gaussians(o: PlanarOptions = {}): TensorDataset {
  return sample('gaussians', o, (a, b) => BUMPS.reduce((s, [cx, cy, sign]) => s + sign * Math.exp(-((a - cx) ** 2 + (b - cy) ** 2) / (2 * 0.3 ** 2)), 0));
}

/** The regression sets by name, for the CLI and the playground. */
export const REGRESSION = { plane, gaussians } as const;
export type RegressionName = keyof typeof REGRESSION;
