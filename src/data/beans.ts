import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../train/dataset.js';
import { checkInt, checkOptions } from '../validate.js';

/**
 * The course's first data set: beans of size x ∈ [0, 2), toxic (y = 1) when
 * 0.8 < 0.7·x + 0.5 + noise < 1.4, with noise uniform in ±0.01 — a hill-shaped boundary that one
 * neuron cannot fit and one hidden layer of two can. Sorted by size, as the course's generator
 * returns them. x: [n, 1], y: [n, 1] float32.
 * @example const beans = kiln.data.beans({ n: 100, seed: 0 });
 */
export function beans(options: { n?: number; seed?: number } = {}): TensorDataset {
  checkOptions('beans', options, ['n', 'seed']);
  const { n = 100, seed = 0 } = options;
  checkInt('beans', 'n', n);
  const g = new Generator(seed);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const beans: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const size = Math.fround(2 * g.uniform());
    const noise = (g.uniform() * 2 - 1) * 0.01;
    const v = 0.7 * size + 0.5 + noise;
    beans.push([size, v > 0.8 && v < 1.4 ? 1 : 0]);
  }
  beans.sort((a, b) => a[0] - b[0]);
  beans.forEach(([size, toxic], i) => { x[i] = size; y[i] = toxic; });
  return new TensorDataset(new Tensor(x, [n, 1]), new Tensor(y, [n, 1]));
}
