import type * as kiln from 'kiln-ml';

// The playground's settings: their defaults, their checks, and their round trip through the URL
// (so a set-up can be shared as a link). Pure functions, unit-tested in state.test.ts. The network's
// choices are the course's recipes (kiln.recipes, shared with the CLI), the ones a learner meets.

export const DATASETS = ['beans', 'flower', 'circles', 'moons', 'spirals', 'xor', 'blobs', 'plane', 'gaussians', 'csv', 'digits'] as const;
export type DatasetName = (typeof DATASETS)[number];
/** The sets whose targets are real numbers (regression: a linear output and squared error), not classes. */
export const REGRESSION_SETS: readonly DatasetName[] = ['plane', 'gaussians'];
export const isRegression = (d: DatasetName): boolean => REGRESSION_SETS.includes(d);
export const ACTIVATIONS = ['tanh', 'relu', 'leakyRelu', 'sigmoid', 'linear'] as const satisfies readonly kiln.recipes.ActivationName[];
export type Activation = (typeof ACTIVATIONS)[number];
export const OUTPUTS = ['sigmoid', 'softmax', 'linear'] as const satisfies readonly kiln.recipes.OutputActivation[];
export type Output = (typeof OUTPUTS)[number];
export const LOSSES = ['bce', 'crossEntropy', 'mse'] as const satisfies readonly kiln.recipes.LossChoice[];
export type Loss = (typeof LOSSES)[number];
export const INITS = ['he', 'xavier', 'small', 'uniform', 'zeros'] as const satisfies readonly kiln.recipes.InitName[];
export type Init = (typeof INITS)[number];
export const OPTIMIZERS = ['sgd', 'momentum', 'rmsprop', 'adam'] as const satisfies readonly kiln.recipes.OptimizerName[];
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const BATCH_MODES = ['full', 'mini', 'one'] as const;
export type BatchMode = (typeof BATCH_MODES)[number];
export const DIGIT_MODELS = ['lenet5', 'mlp'] as const;
export type DigitModel = (typeof DIGIT_MODELS)[number];

/**
 * The inputs a 2-D network can be given, as in TensorFlow Playground: the coordinates, their
 * squares, their product, their sines. (The course's "feature engineering": a circle needs x₁²
 * and x₂², or a hidden layer to make them.)
 */
export const FEATURES = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'] as const;
export type Feature = (typeof FEATURES)[number];
export const FEATURE_LABELS: Record<Feature, string> = { x1: 'x₁', x2: 'x₂', x1sq: 'x₁²', x2sq: 'x₂²', x1x2: 'x₁x₂', sinx1: 'sin x₁', sinx2: 'sin x₂' };

export interface Layer { units: number; activation: Activation }

export interface Settings {
  dataset: DatasetName;
  /** Points in a generated set (planar sets; beans). */
  samples: number;
  /** Noise of a generated set (its standard deviation; beans ignore it). */
  noise: number;
  /** Share of the examples held out as the test set. */
  testFraction: number;
  /** The network's inputs on 2-D data (in FEATURES order; at least one). */
  features: Feature[];
  hidden: Layer[];
  output: Output;
  loss: Loss;
  init: Init;
  optimizer: OptimizerName;
  lr: number;
  /** Inverse-time decay: α = α₀ / (1 + decay · epoch). */
  decay: number;
  /** β (momentum), β₁ (Adam) */
  beta1: number;
  /** β₂ (RMSprop, Adam) */
  beta2: number;
  eps: number;
  batch: BatchMode;
  batchSize: number;
  /** The course's L2 λ: λ/(2m)·Σ‖W‖² added to each batch's cost. */
  l2: number;
  /** L1 λ: λ/(2m)·Σ‖W‖₁ added to each batch's cost (weights pushed to exactly 0). */
  l1: number;
  keepProb: number;
  /** Play stops after this many epochs (0: it goes on until paused). */
  epochs: number;
  seed: number;
  digitModel: DigitModel;
  /** The boundary plot: the held-out points drawn (as rings), and the shading by class only. */
  showTest: boolean;
  discretize: boolean;
  /** Side by side: '' (off) or one of COMPARISONS, a second network trained beside this one with that one change. */
  compare: Comparison | '';
}

/**
 * The course's experiments, each a second network trained beside the first with one setting
 * changed: zeros against random initialisation, gradient descent against momentum against Adam,
 * with and without dropout, a learning rate ten times larger or smaller.
 */
export const COMPARISONS = ['init:zeros', 'init:he', 'optimizer:sgd', 'optimizer:momentum', 'optimizer:adam', 'keepProb:0.5', 'keepProb:1', 'lr:x10', 'lr:x0.1'] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const COMPARISON_LABELS: Record<Comparison, string> = {
  'init:zeros': 'zeros initialisation', 'init:he': 'He initialisation', 'optimizer:sgd': 'gradient descent', 'optimizer:momentum': 'momentum',
  'optimizer:adam': 'Adam', 'keepProb:0.5': 'dropout (keep 0.5)', 'keepProb:1': 'no dropout', 'lr:x10': 'α × 10', 'lr:x0.1': 'α ÷ 10',
};

/** The second network's settings: these with the comparison's one change (null when off). */
export function variantOf(s: Settings): Settings | null {
  if (!s.compare) return null;
  const [key, value] = s.compare.split(':') as [string, string];
  const b: Settings = { ...s, hidden: s.hidden.map((l) => ({ ...l })), compare: '' };
  if (key === 'init') b.init = value as Init;
  else if (key === 'optimizer') b.optimizer = value as OptimizerName;
  else if (key === 'keepProb') b.keepProb = Number(value);
  else b.lr = Math.min(10, Math.max(1e-6, s.lr * Number(value.slice(1))));
  return b;
}

/**
 * The course's first worked example, exactly: 100 beans, all of them trained on (no hold-out), one
 * hidden layer of 2 sigmoid units, a sigmoid output, squared error, one example at a time (SGD),
 * α = 0.03, 5,000 epochs. (The page redraws the curve every 100 epochs for it.)
 */
export const BEANS_PRESET = {
  samples: 100, testFraction: 0, hidden: [{ units: 2, activation: 'sigmoid' }], output: 'sigmoid', loss: 'mse',
  init: 'xavier', optimizer: 'sgd', lr: 0.03, decay: 0, batch: 'one', l2: 0, l1: 0, keepProb: 1, epochs: 5000,
} as const satisfies Partial<Settings>;

/** What the planar sets start from: a small tanh network trained by Adam on full batches, a 20% test set. */
export const PLANAR_PRESET = {
  samples: 400, testFraction: 0.2, hidden: [{ units: 4, activation: 'tanh' }], output: 'sigmoid', loss: 'bce',
  init: 'he', optimizer: 'adam', lr: 0.05, batch: 'full', epochs: 0,
} as const satisfies Partial<Settings>;

/**
 * Each planar set's own defaults, applied when it is chosen, so that its defaults teach: they
 * train to a good result within seconds (playground/src/trainer.test.ts holds each to ≥ 90% test
 * accuracy after 500 epochs). Noise 0.2 hid the spirals and the XOR entirely; the spirals also
 * need two hidden layers.
 */
export const DATASET_DEFAULTS: Partial<Record<DatasetName, Partial<Settings>>> = {
  flower: { noise: 0.2 },
  circles: { noise: 0.05 },
  moons: { noise: 0.1 },
  spirals: { noise: 0.05, hidden: [{ units: 8, activation: 'tanh' }, { units: 8, activation: 'tanh' }] },
  xor: { noise: 0.05 },
  blobs: { noise: 0.2 },
  plane: { noise: 0.05 },
  gaussians: { noise: 0.05, hidden: [{ units: 8, activation: 'tanh' }, { units: 8, activation: 'tanh' }] },
};

/** The preset's layers as fresh objects (settings are edited in place by the page). */
const preset = (p: typeof BEANS_PRESET | typeof PLANAR_PRESET): Partial<Settings> => ({ ...p, hidden: p.hidden.map((l) => ({ ...l })) });

export const DEFAULTS: Settings = {
  dataset: 'beans', noise: 0.2, beta1: 0.9, beta2: 0.999, eps: 1e-8, batchSize: 32, seed: 1, digitModel: 'lenet5', showTest: true, discretize: false, features: ['x1', 'x2'], compare: '',
  ...(preset(BEANS_PRESET) as typeof BEANS_PRESET & { hidden: Layer[] }),
};

/** The largest layer and depth the page accepts: far beyond what the plots can show, but bounded. */
export const MAX_UNITS = 512;
export const MAX_LAYERS = 32;

/** The bounds of each numeric setting: [min, max, integer?]. */
const RANGES: Record<string, [number, number, boolean]> = {
  samples: [10, 5000, true], noise: [0, 2, false], testFraction: [0, 0.9, false],
  lr: [1e-6, 10, false], decay: [0, 10, false], beta1: [0, 0.9999, false], beta2: [0, 0.99999, false], eps: [1e-12, 1, false],
  batchSize: [1, 4096, true], l2: [0, 100, false], l1: [0, 100, false], keepProb: [0.05, 1, false], seed: [0, 2 ** 31 - 1, true],
  epochs: [0, 1_000_000, true],
};

/** A setting's value checked against its bounds; throws a message naming the setting and its range. */
export function checkNumber(key: string, value: number): number {
  const [lo, hi, int] = RANGES[key]!;
  if (!Number.isFinite(value) || value < lo || value > hi || (int && !Number.isInteger(value))) {
    throw new Error(`${key} must be ${int ? 'a whole number' : 'a number'} from ${lo} to ${hi}, got ${value}`);
  }
  return value;
}

/** What makes sense together: a loss for the output, a default network per data set. */
export function withDataset(s: Settings, dataset: DatasetName): Settings {
  const next = { ...s, dataset };
  if (dataset === 'beans') Object.assign(next, preset(BEANS_PRESET));
  else if (dataset !== 'digits' && s.dataset === 'beans') Object.assign(next, preset(PLANAR_PRESET));
  const own = DATASET_DEFAULTS[dataset];
  if (own) Object.assign(next, { ...own, ...(own.hidden ? { hidden: own.hidden.map((l) => ({ ...l })) } : {}) });
  if (dataset === 'blobs') Object.assign(next, { output: 'softmax', loss: 'crossEntropy' });
  else if (isRegression(dataset)) Object.assign(next, { output: 'linear', loss: 'mse' });
  else if (next.output === 'softmax' || (next.output === 'linear' && isRegression(s.dataset))) Object.assign(next, { output: 'sigmoid', loss: 'bce' });
  return next;
}

/** The loss that goes with an output activation (softmax ↔ cross-entropy, sigmoid ↔ BCE or MSE). */
export function lossesFor(output: Output): Loss[] {
  return output === 'softmax' ? ['crossEntropy'] : output === 'sigmoid' ? ['bce', 'mse'] : ['mse'];
}

/** Checks a whole settings object; returns the messages of what is wrong (empty when all is well). */
export function problems(s: Settings): string[] {
  const out: string[] = [];
  for (const key of Object.keys(RANGES)) {
    try { checkNumber(key, s[key as keyof Settings] as number); } catch (e) { out.push((e as Error).message); }
  }
  if (s.features.length === 0) out.push('choose at least one input feature');
  for (const f of s.features) if (!(FEATURES as readonly string[]).includes(f)) out.push(`no input feature ${f}; the features are ${FEATURES.join(', ')}`);
  if (s.hidden.length > MAX_LAYERS) out.push(`at most ${MAX_LAYERS} hidden layers, got ${s.hidden.length}`);
  s.hidden.forEach((l, i) => {
    if (!Number.isInteger(l.units) || l.units < 1 || l.units > MAX_UNITS) out.push(`layer ${i + 1} needs 1 to ${MAX_UNITS} units, got ${l.units}`);
  });
  if (!lossesFor(s.output).includes(s.loss)) out.push(`the ${s.output} output goes with ${lossesFor(s.output).join(' or ')}, not ${s.loss}`);
  return out;
}

const ACT_CODE: Record<Activation, string> = { tanh: 't', relu: 'r', leakyRelu: 'l', sigmoid: 's', linear: 'i' };

/** Hidden layers as text: 4t-3r is 4 tanh units, then 3 ReLU units. */
const hiddenCode = (layers: Layer[]): string => layers.map((l) => `${l.units}${ACT_CODE[l.activation]}`).join('-');

/**
 * The settings a data set starts from: the defaults (the beans, as in the course) or, for the
 * other sets, what `withDataset` gives them. Links store only what differs from this.
 */
function baseFor(dataset: DatasetName): Settings {
  return dataset === 'beans' || dataset === 'digits' ? { ...DEFAULTS, dataset } : withDataset(DEFAULTS, dataset);
}

/** The settings as URL query parameters: the data set, and only what differs from its starting point. */
export function toQuery(s: Settings): string {
  const q = new URLSearchParams();
  const base = baseFor(s.dataset);
  for (const [key, value] of Object.entries(s) as [keyof Settings, unknown][]) {
    if (key === 'hidden') {
      if (hiddenCode(s.hidden) !== hiddenCode(base.hidden)) q.set('hidden', hiddenCode(s.hidden));
    } else if (key === 'features') {
      if (s.features.join(',') !== base.features.join(',')) q.set('features', s.features.join(','));
    } else if (key === 'dataset' ? value !== DEFAULTS.dataset : value !== base[key]) q.set(key, String(value));
  }
  return q.toString();
}

/**
 * Settings from URL query parameters. Unknown keys are ignored; a value that cannot be read keeps
 * the default and is reported, so a mangled link still opens, saying what it could not use.
 */
export function fromQuery(query: string): { settings: Settings; warnings: string[] } {
  const q = new URLSearchParams(query);
  const named = q.get('dataset');
  const start = baseFor((DATASETS as readonly string[]).includes(named ?? '') ? named as DatasetName : DEFAULTS.dataset);
  const s: Settings = { ...start, hidden: start.hidden.map((l) => ({ ...l })) };
  const warnings: string[] = [];
  const choice = <T extends string>(key: keyof Settings, options: readonly T[]): void => {
    const v = q.get(key);
    if (v === null) return;
    if ((options as readonly string[]).includes(v)) (s as unknown as Record<string, unknown>)[key] = v;
    else warnings.push(`${key}=${v} is not one of ${options.join(', ')}; using ${String(start[key])}`);
  };
  choice('dataset', DATASETS); choice('output', OUTPUTS); choice('loss', LOSSES); choice('init', INITS);
  choice('optimizer', OPTIMIZERS); choice('batch', BATCH_MODES); choice('digitModel', DIGIT_MODELS); choice('compare', COMPARISONS);
  for (const key of Object.keys(RANGES)) {
    const v = q.get(key);
    if (v === null) continue;
    try {
      (s as unknown as Record<string, number>)[key] = checkNumber(key, v.trim() === '' ? NaN : Number(v));
    } catch (e) {
      warnings.push(`${(e as Error).message}; using ${String(start[key as keyof Settings])}`);
    }
  }
  for (const key of ['showTest', 'discretize'] as const) {
    const v = q.get(key);
    if (v === null) continue;
    if (v === 'true' || v === 'false') s[key] = v === 'true';
    else warnings.push(`${key}=${v} is not true or false; using ${String(start[key])}`);
  }
  const features = q.get('features');
  if (features !== null) {
    const named = features.split(',');
    if (named.length > 0 && named.every((f) => (FEATURES as readonly string[]).includes(f))) s.features = FEATURES.filter((f) => named.includes(f));
    else warnings.push(`features=${features} is not a list of ${FEATURES.join(', ')}; using ${start.features.join(',')}`);
  }
  const hidden = q.get('hidden');
  if (hidden !== null) {
    const codes = Object.entries(ACT_CODE);
    const layers = hidden === '' ? [] : hidden.split('-').map((part) => {
      const m = /^(\d+)([a-z])$/.exec(part);
      const act = m && codes.find(([, c]) => c === m[2]);
      return m && act && Number(m[1]) >= 1 && Number(m[1]) <= MAX_UNITS ? { units: Number(m[1]), activation: act[0] as Activation } : null;
    });
    if (layers.every((l) => l !== null) && layers.length <= MAX_LAYERS) s.hidden = layers as Layer[];
    else warnings.push(`hidden=${hidden} is not a list like 4t-3r (units, then t tanh, r relu, l leaky ReLU, s sigmoid, i linear); using ${hiddenCode(start.hidden)}`);
  }
  if (!lossesFor(s.output).includes(s.loss)) {
    warnings.push(`loss=${s.loss} does not go with output=${s.output}; using ${lossesFor(s.output)[0]}`);
    s.loss = lossesFor(s.output)[0]!;
  }
  return { settings: s, warnings };
}
