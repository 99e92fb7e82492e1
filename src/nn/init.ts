import { copyStorage, hostArray, isHost } from '../tensor/storage.js';
import { ShapeError, fmtShape } from '../errors.js';
import { defaultGenerator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOneOf, checkOptions, checkRange } from '../validate.js';

// Initialisers fill a tensor in place from the seeded generator and return it. Weight shapes are
// [out, in, …receptive field], so fanIn = in·∏field and fanOut = out·∏field (as in PyTorch).

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu';

/**
 * The names `Linear`'s and `Conv2d`'s `init` option accepts. The course's own: `'small'`
 * (randn·0.01), `'courseUniform'` (U[0, 1), np.random.rand, as its beans example draws),
 * `'courseXavier'` (N(0, 1/n[l−1]), for tanh) and `'courseHe'` (N(0, 2/n[l−1]), for ReLU).
 * PyTorch's: `'default'`, `'xavierUniform'`/`'xavierNormal'` (Glorot's 2/(fanIn + fanOut), which
 * PyTorch calls Xavier), `'kaimingUniform'`/`'kaimingNormal'`.
 */
export const WEIGHT_INITS = ['default', 'zeros', 'small', 'courseUniform', 'courseXavier', 'courseHe', 'xavierUniform', 'xavierNormal', 'kaimingUniform', 'kaimingNormal'] as const;
export type WeightInit = (typeof WEIGHT_INITS)[number];

/** The course's "small random" scale: W = randn · 0.01. */
export const SMALL_SCALE = 0.01;

export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ShapeError(`init: fan in/out need a weight of at least 2 dims, got ${fmtShape(t.shape)}`);
  const field = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * field, fanOut: t.shape[0]! * field };
}

/** The recommended gain for a nonlinearity: 1 (linear, sigmoid), 5/3 (tanh), √2 (ReLU), √(2/(1+a²)). */
export function calculateGain(nonlinearity: Nonlinearity, negativeSlope = 0.01): number {
  switch (nonlinearity) {
    case 'linear': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
  }
}

function fill(t: Tensor, draw: () => number): Tensor {
  const s = t.storage;
  const values = isHost(s) ? s : hostArray(t.dtype, t.size, 'initial values');
  for (let i = 0; i < values.length; i++) values[i] = draw();
  if (values !== s) copyStorage(values, s);
  return t;
}

export function constant(t: Tensor, value: number): Tensor {
  return fill(t, () => value);
}

/** All zeros: fine for biases; for weights it leaves every unit of a layer identical (no symmetry breaking). */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

export function uniform(t: Tensor, low = 0, high = 1): Tensor {
  return fill(t, () => low + (high - low) * defaultGenerator.uniform());
}

export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  checkRange('init.normal', 'std', std, { min: 0 });
  return fill(t, () => mean + std * defaultGenerator.normal());
}

/** The course's small random initialisation: W = np.random.randn(n, m) · 0.01. */
export function small(t: Tensor, scale = SMALL_SCALE): Tensor {
  return normal(t, 0, scale);
}

/**
 * The course's Xavier initialisation, for tanh layers: W ~ N(0, 1/n[l−1]), i.e.
 * `np.random.randn(n[l], n[l−1]) · √(1/n[l−1])` (n[l−1] = fanIn). Not Glorot's (see xavierNormal).
 */
export function courseXavier(t: Tensor): Tensor {
  return normal(t, 0, Math.sqrt(1 / fans(t).fanIn));
}

/** The course's He initialisation, for ReLU layers: W ~ N(0, 2/n[l−1]) (n[l−1] = fanIn). */
export function courseHe(t: Tensor): Tensor {
  return normal(t, 0, Math.sqrt(2 / fans(t).fanIn));
}

/** Glorot (PyTorch's xavier_uniform_): U(−a, a) with a = gain·√(6/(fanIn + fanOut)). */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a);
}

/**
 * Glorot (PyTorch's xavier_normal_): N(0, σ²) with σ = gain·√(2/(fanIn + fanOut)). The course's
 * "Xavier" is `courseXavier`, N(0, 1/fanIn).
 */
export function xavierNormal(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  return normal(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** The negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions): number {
  checkOptions('init.kaiming', options, ['a', 'mode', 'nonlinearity']);
  const { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' } = options;
  checkOneOf('init.kaiming', 'mode', mode, ['fanIn', 'fanOut']);
  const { fanIn, fanOut } = fans(t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/** He: U(−b, b) with b = gain·√(3/fan). `{a: √5}` gives PyTorch's default for Linear: U(±1/√fanIn). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -b, b);
}

/** He: N(0, σ²) with σ = gain/√fan, the course's W = randn·√(2/n[l−1]) for ReLU. */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options));
}

/** Fills a weight by name (the `init` option of layers and the CLI's `--init`). */
export function initWeight(t: Tensor, name: WeightInit): Tensor {
  switch (checkOneOf('init', 'init', name, WEIGHT_INITS)) {
    case 'default': return kaimingUniform(t, { a: Math.sqrt(5) });
    case 'zeros': return zeros(t);
    case 'small': return small(t);
    case 'courseUniform': return uniform(t, 0, 1);
    case 'courseXavier': return courseXavier(t);
    case 'courseHe': return courseHe(t);
    case 'xavierUniform': return xavierUniform(t);
    case 'xavierNormal': return xavierNormal(t);
    case 'kaimingUniform': return kaimingUniform(t, { nonlinearity: 'relu' });
    case 'kaimingNormal': return kaimingNormal(t, { nonlinearity: 'relu' });
  }
}

/**
 * Fills a bias to go with a weight initialised by `init`: PyTorch's U(±1/√fanIn) for `'default'`,
 * zeros otherwise (the course's b = 0).
 */
export function initBias(bias: Tensor, fanIn: number, init: WeightInit): Tensor {
  if (init !== 'default') return zeros(bias);
  const bound = 1 / Math.sqrt(fanIn);
  return uniform(bias, -bound, bound);
}
