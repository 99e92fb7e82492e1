import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../train/dataset.js';
import { checkInt, checkOptions, checkRange } from '../validate.js';

// Two-dimensional toy sets for classification, all seeded. The binary ones give x: [n, 2] and
// y: [n, 1] float32 labels 0/1 (for binaryCrossEntropy); blobs gives int32 class indices [n]
// (for crossEntropy).

export interface PlanarOptions {
  /** Number of points (default 400). */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each point (each set has its own default). */
  noise?: number;
  seed?: number;
}

type Point = [number, number, number];

function build(points: Point[]): TensorDataset {
  const x = new Float32Array(points.length * 2);
  const y = new Float32Array(points.length);
  points.forEach(([a, b, label], i) => { x[2 * i] = a; x[2 * i + 1] = b; y[i] = label; });
  return new TensorDataset(new Tensor(x, [points.length, 2]), new Tensor(y, [points.length, 1]));
}

function setup(name: string, o: PlanarOptions, noise: number, extra: readonly string[] = []): { n: number; noise: number; g: Generator } {
  checkOptions(name, o, ['n', 'noise', 'seed', ...extra]);
  const n = checkInt(name, 'n', o.n ?? 400, 2);
  return { n, noise: checkRange(name, 'noise', o.noise ?? noise, { min: 0 }), g: new Generator(o.seed ?? 0) };
}

/**
 * The course's "flower" (planar_utils.load_planar_dataset): two classes of petals,
 * r = 4·sin(4t) + noise, at angle t + noise, t spanning [j·3.12, (j+1)·3.12] for class j.
 * Logistic regression gets about 47%; one hidden layer of 4 tanh units about 90%.
 */
export function flower(o: PlanarOptions = {}): TensorDataset {
  const { n, noise, g } = setup('flower', o, 0.2);
  const perClass = Math.floor(n / 2);
  const points: Point[] = [];
  for (let j = 0; j < 2; j++) {
    for (let i = 0; i < perClass; i++) {
      const t = j * 3.12 + (3.12 * i) / (perClass - 1) + g.normal() * noise;
      const r = 4 * Math.sin(4 * t) + g.normal() * noise;
      points.push([r * Math.sin(t), r * Math.cos(t), j]);
    }
  }
  return build(points);
}

/** Two concentric circles: the outer (radius 1) is class 0, the inner (radius `factor`) class 1. */
export function circles(o: PlanarOptions & { factor?: number } = {}): TensorDataset {
  const { n, noise, g } = setup('circles', o, 0.05, ['factor']);
  const factor = checkRange('circles', 'factor', o.factor ?? 0.5, { min: 0, max: 1, minOpen: true, maxOpen: true });
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const a = 2 * Math.PI * g.uniform();
    const r = label === 0 ? 1 : factor;
    points.push([r * Math.cos(a) + g.normal() * noise, r * Math.sin(a) + g.normal() * noise, label]);
  }
  return build(points);
}

/** Two interleaving half circles (scikit-learn's make_moons). */
export function moons(o: PlanarOptions = {}): TensorDataset {
  const { n, noise, g } = setup('moons', o, 0.1);
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const a = Math.PI * g.uniform();
    const [px, py] = label === 0 ? [Math.cos(a), Math.sin(a)] : [1 - Math.cos(a), 0.5 - Math.sin(a)];
    points.push([px + g.normal() * noise, py + g.normal() * noise, label]);
  }
  return build(points);
}

/** Two interleaved spirals, each turning `turns` times (default 1.5). */
export function spirals(o: PlanarOptions & { turns?: number } = {}): TensorDataset {
  const { n, noise, g } = setup('spirals', o, 0.05, ['turns']);
  const turns = checkRange('spirals', 'turns', o.turns ?? 1.5, { min: 0, minOpen: true });
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const s = g.uniform();
    const a = s * turns * 2 * Math.PI + label * Math.PI;
    const r = s;
    points.push([r * Math.cos(a) + g.normal() * noise, r * Math.sin(a) + g.normal() * noise, label]);
  }
  return build(points);
}

/** XOR: points in [−1, 1]², class 1 where the two coordinates have opposite signs. */
export function xor(o: PlanarOptions = {}): TensorDataset {
  const { n, noise, g } = setup('xor', o, 0);
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const a = g.uniform() * 2 - 1;
    const b = g.uniform() * 2 - 1;
    points.push([a + g.normal() * noise, b + g.normal() * noise, a * b < 0 ? 1 : 0]);
  }
  return build(points);
}

/**
 * Gaussian blobs around `classes` centres evenly spaced on a circle of radius 2; labels are int32
 * class indices [n] for crossEntropy.
 */
export function blobs(o: PlanarOptions & { classes?: number } = {}): TensorDataset {
  const { n, noise, g } = setup('blobs', o, 0.5, ['classes']);
  const classes = checkInt('blobs', 'classes', o.classes ?? 3, 2);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const a = (2 * Math.PI * c) / classes;
    x[2 * i] = 2 * Math.cos(a) + g.normal() * noise;
    x[2 * i + 1] = 2 * Math.sin(a) + g.normal() * noise;
    y[i] = c;
  }
  return new TensorDataset(new Tensor(x, [n, 2]), new Tensor(y, [n]));
}

/** The planar sets by name, for the CLI and the playground. */
export const PLANAR = { flower, circles, moons, spirals, xor, blobs } as const;
export type PlanarName = keyof typeof PLANAR;
