import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { Tensor, onCurrentBackend } from '../tensor/tensor.js';
import { isHost, placeHost } from '../tensor/storage.js';
import { checkOptions, checkRange } from '../validate.js';

/**
 * Examples as rows: `x[i]` is example i's features, `y[i]` its label. Construction checks that
 * both have the same number of rows and that the features hold no NaN or infinity, then keeps
 * them on the current backend (on a GPU, data made in JavaScript are uploaded once, here).
 * @example new kiln.TensorDataset(kiln.randn([100, 2]), kiln.zeros([100, 1]))
 */
export class TensorDataset {
  readonly x: Tensor;
  readonly y: Tensor;

  constructor(x: Tensor, y: Tensor) {
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new ValueError('TensorDataset: x and y must be Tensors');
    if (x.ndim === 0 || y.ndim === 0 || x.shape[0] !== y.shape[0]) {
      throw new ShapeError(`TensorDataset: x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} must have the same number of rows (examples)`);
    }
    checkFinite(x, 'TensorDataset: x');
    checkFinite(y, 'TensorDataset: y');
    this.x = onCurrentBackend(x);
    this.y = onCurrentBackend(y);
  }

  get length(): number { return this.x.shape[0]!; }

  /** The examples at `indices`, as a new dataset. */
  subset(indices: Int32Array): TensorDataset {
    const idx = new Tensor(placeHost(indices), [indices.length]);
    return new TensorDataset(this.x.indexSelect(0, idx), this.y.indexSelect(0, idx));
  }
}

/** Throws a ValueError naming the first NaN or infinity and where it is. */
export function checkFinite(t: Tensor, what: string): void {
  const s = t.storage;
  if (!isHost(s)) return; // on a GPU, data are checked where they were made (on the CPU) or not at all
  const d = s;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) {
      const cols = t.size / (t.shape[0] || 1);
      throw new ValueError(`${what} contains ${v} at row ${Math.floor(i / cols)}${t.ndim > 1 ? `, element ${i % cols}` : ''}; remove or impute missing values before training`);
    }
  }
}

/**
 * Splits a dataset at random into train and test parts; `testFraction` of the examples go to test.
 * @example const [train, test] = kiln.trainTestSplit(kiln.data.flower(), { testFraction: 0.2, seed: 1 });
 */
export function trainTestSplit(ds: TensorDataset, options: { testFraction?: number; seed?: number } = {}): [TensorDataset, TensorDataset] {
  checkOptions('trainTestSplit', options, ['testFraction', 'seed']);
  const { testFraction = 0.2, seed } = options;
  checkRange('trainTestSplit', 'testFraction', testFraction, { min: 0, max: 1, minOpen: true, maxOpen: true });
  const gen = seed === undefined ? defaultGenerator : new Generator(seed);
  const perm = gen.permutation(ds.length);
  const nTest = Math.round(ds.length * testFraction);
  if (nTest === 0 || nTest === ds.length) throw new ValueError(`trainTestSplit: ${ds.length} examples with testFraction ${testFraction} leave one side empty`);
  return [ds.subset(perm.slice(nTest)), ds.subset(perm.slice(0, nTest))];
}

/**
 * The course's three-way split: train (to fit the parameters), dev (to choose between models and
 * hyperparameters) and test (an unbiased estimate of the chosen one), at random. With a lot of data
 * the dev and test sets can be small fractions (98/1/1); the defaults are the course's 60/20/20.
 * @example const [train, dev, test] = kiln.trainDevTestSplit(kiln.data.moons(), { devFraction: 0.2, testFraction: 0.2, seed: 0 });
 */
export function trainDevTestSplit(ds: TensorDataset, options: { devFraction?: number; testFraction?: number; seed?: number } = {}): [TensorDataset, TensorDataset, TensorDataset] {
  checkOptions('trainDevTestSplit', options, ['devFraction', 'testFraction', 'seed']);
  const { devFraction = 0.2, testFraction = 0.2, seed } = options;
  checkRange('trainDevTestSplit', 'devFraction', devFraction, { min: 0, max: 1, minOpen: true, maxOpen: true });
  checkRange('trainDevTestSplit', 'testFraction', testFraction, { min: 0, max: 1, minOpen: true, maxOpen: true });
  const nDev = Math.round(ds.length * devFraction);
  const nTest = Math.round(ds.length * testFraction);
  if (nDev === 0 || nTest === 0 || nDev + nTest >= ds.length) {
    throw new ValueError(`trainDevTestSplit: ${ds.length} examples with devFraction ${devFraction} and testFraction ${testFraction} leave a part empty (dev ${nDev}, test ${nTest}, train ${ds.length - nDev - nTest})`);
  }
  const perm = (seed === undefined ? defaultGenerator : new Generator(seed)).permutation(ds.length);
  return [ds.subset(perm.slice(nDev + nTest)), ds.subset(perm.slice(0, nDev)), ds.subset(perm.slice(nDev, nDev + nTest))];
}
