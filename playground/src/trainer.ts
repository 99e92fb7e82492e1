import * as kiln from 'kiln-ml';
import type { Tensor, TensorDataset } from 'kiln-ml';
import type { Activation, Feature, Settings } from './state.js';
import { FEATURE_LABELS, isRegression, problems } from './state.js';

// The playground's training, with Kiln's public API only. It runs in a Web Worker (worker.ts) and
// in Node for the unit tests: it builds the data and the network from the settings, trains epoch by
// epoch, and describes what to draw as plain data and SVG strings (Kiln's viz charts).

const { nn, optim, recipes } = kiln;

export interface Curve { train: number[]; test: number[] }

/**
 * Numbers for the explain panel, in the course's orientation: the m examples are the columns. For
 * layer l: W[l] (n[l] × n[l−1]), b[l] (n[l]), Z[l] and A[l] (n[l] × m), the course's dZ[l] = ∂L/∂Z[l]
 * per example (n[l] × m), and dW[l] = (1/m)·dZ[l]·A[l−1]ᵀ, db[l] = (1/m)·Σ dZ[l], which are the
 * gradients of the cost J over those m examples.
 */
export interface ExplainLayer {
  /** g[l]'s name: the layer's activation, or the output's (sigmoid or softmax) when the loss takes logits. */
  activation: string;
  W: number[][]; b: number[]; Z: number[][]; A: number[][];
  dZ: number[][]; dW: number[][]; db: number[];
}
export interface Explain {
  /** Which examples: one (its index in the training set) or the first mini-batch of them. */
  of: number | 'batch';
  m: number;
  /** X (n[0] × m) and Y (n[L] × m: one-hot rows for classes). */
  X: number[][]; Y: number[][];
  /** The cost J over the m examples. */
  cost: number;
  /** How dZ[L] follows from the loss: 'A[L] − Y' (cross-entropy on sigmoid or softmax) or the squared error's. */
  lossForm: 'crossEntropy' | 'squaredError';
  layers: ExplainLayer[];
}

export interface Snapshot {
  epoch: number;
  lr: number;
  loss: Curve;
  accuracy: Curve;
  /**
   * The data with the fitted curve (1-D), or the points over a transparent plot area (2-D), as SVG.
   * It changes only with the data (its title holds no epoch), so the page reparses it only then.
   */
  plot: string;
  /**
   * 2-D: the model's confidence over the plot area as RGBA pixels (kiln.viz.boundaryRaster, top
   * row first), `nx`×`ny`, for a canvas laid under the points over `area` (in the SVG's units).
   */
  boundary: { nx: number; ny: number; rgba: Uint8ClampedArray; area: typeof kiln.viz.PLOT_AREA } | null;
  lossChart: string;
  /**
   * Each hidden unit's output over the input range: per layer, per unit, `cells` values (per side,
   * on 2-D data) in [−1, 1]-ish; `inputs`: each network input (feature) over the same grid.
   */
  neurons: { cells: number; values: number[][][]; inputs: number[][]; range: [number, number][] };
  /** Each Linear layer's weights [out][in] and biases, for the network drawing. */
  weights: { W: number[][]; b: number[] }[];
  explain: Explain;
  /** The course's bias/variance reading of the last epoch's train and test error (null without a test set). */
  biasVariance: kiln.BiasVariance | null;
}

/**
 * The data: its kind, classes (0 for regression: real targets) and sizes; `featureNames` name its
 * axes, `inputNames` the network's inputs.
 */
export interface DataInfo { kind: '1d' | '2d'; classes: number; train: number; test: number; featureNames: string[]; inputNames: string[] }

/** Each input feature of 2-D points x: [n, 2], as a column [n, 1]. */
const FEATURE_OF: Record<Feature, (x1: Tensor, x2: Tensor) => Tensor> = {
  x1: (x1) => x1, x2: (_, x2) => x2, x1sq: (x1) => x1.mul(x1), x2sq: (_, x2) => x2.mul(x2),
  x1x2: (x1, x2) => x1.mul(x2), sinx1: (x1) => x1.sin(), sinx2: (_, x2) => x2.sin(),
};

/** The network's inputs [n, features] from 2-D points [n, 2]: the chosen features side by side. */
export function mapFeatures(x: Tensor, features: readonly Feature[]): Tensor {
  const x1 = x.narrow(1, 0, 1), x2 = x.narrow(1, 1, 1);
  return kiln.cat(features.map((f) => FEATURE_OF[f](x1, x2)), 1);
}

/** g(z) and g′(z) on z ∈ [−5, 5], by Kiln's autograd: the activation panel's plot. */
export function activationCurves(name: Activation): string {
  const z = kiln.linspace(-5, 5, 201).requiresGrad_();
  const g = nn.activation(name).forward(z);
  g.sum().backward();
  return kiln.viz.lineChart({
    title: `${name}: g(z) and g′(z)`, xLabel: 'z', xValues: Array.from(z.dataSync()),
    series: [{ name: 'g(z)', values: Array.from(g.dataSync()) }, { name: 'g′(z)', values: Array.from(z.grad!.dataSync()) }],
  }).replace(/<svg /, '<svg data-chart="activation" ');
}

/** Reads the user's CSV of 2-D points: two feature columns and a label column ('label', else the last). */
export function csvDataset(text: string): kiln.data.CsvDataset {
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  const names = header.split(',').map((s) => s.trim());
  const label = names.includes('label') ? 'label' : names[names.length - 1];
  if (!label || names.length < 2) throw new Error('CSV: the first row must be a header such as x1,x2,label');
  const ds = kiln.data.parseCsv(text, { label });
  if (ds.featureNames.length !== 2) {
    throw new Error(`CSV: the playground plots 2-D data, so it needs exactly 2 feature columns besides "${label}"; this file has ${ds.featureNames.length} (${ds.featureNames.join(', ')})`);
  }
  if (ds.y.dtype === 'float32' && Array.from(ds.y.dataSync()).some((v) => v !== 0 && v !== 1)) {
    throw new Error(`CSV: the labels in "${label}" must be classes (0/1, or names); found the number ${Array.from(ds.y.dataSync()).find((v) => v !== 0 && v !== 1)}`);
  }
  return ds;
}

export class Trainer {
  readonly info: DataInfo;
  /** The data as points (what the plots show) and as the network's inputs (the chosen features). */
  private readonly points: { train: TensorDataset; test: TensorDataset };
  private readonly train: TensorDataset;
  private readonly test: TensorDataset;
  /** The network trained (ends in raw scores when the loss works on logits) and the one that predicts. */
  model: kiln.nn.Sequential;
  predictor: kiln.nn.Sequential;
  /** The loss the trained network's output goes into (BCE and cross-entropy on its logits). */
  private lossName: kiln.recipes.Network['loss'];
  private optimizer: kiln.optim.Optimizer<{ lr: number }>;
  private schedule: kiln.optim.InverseTimeLR | null;
  private readonly history: { loss: Curve; accuracy: Curve } = { loss: { train: [], test: [] }, accuracy: { train: [], test: [] } };
  epoch = 0;
  /** What the explain panel shows: a training example's index, or the first mini-batch. */
  explainOf: number | 'batch' = 0;
  /** The boundary shaded by class only (TensorFlow Playground's "discretize output"). */
  discretize: boolean;

  constructor(readonly settings: Settings, csvText?: string) {
    const wrong = problems(settings);
    if (wrong.length > 0) throw new Error(wrong.join('; '));
    kiln.manualSeed(settings.seed);
    this.discretize = settings.discretize;
    const s = settings;
    let all: TensorDataset;
    let featureNames = ['x₁', 'x₂'];
    if (s.dataset === 'beans') {
      all = kiln.data.beans({ n: s.samples, seed: s.seed });
      featureNames = ['bean size'];
    } else if (s.dataset === 'csv') {
      if (csvText === undefined) throw new Error('CSV: choose a file first');
      const ds = csvDataset(csvText);
      all = ds;
      featureNames = ds.featureNames;
    } else if (s.dataset === 'digits') {
      throw new Error('the digits have their own panel');
    } else if (s.dataset === 'plane' || s.dataset === 'gaussians') {
      if (s.output !== 'linear' || s.loss !== 'mse') throw new Error(`${s.dataset} is regression (real targets): choose the linear output with squared error (mse)`);
      all = kiln.data.REGRESSION[s.dataset]({ n: s.samples, noise: s.noise, seed: s.seed });
    } else {
      all = kiln.data.PLANAR[s.dataset]({ n: s.samples, noise: s.noise, seed: s.seed });
    }
    const classes = isRegression(s.dataset) ? 0 : all.y.dtype === 'int32' ? Math.max(...Array.from(all.y.dataSync())) + 1 : 2;
    if (classes > 2 && s.output !== 'softmax') throw new Error(`this data has ${classes} classes: choose the softmax output (with cross-entropy)`);
    if (classes === 2 && all.y.dtype === 'int32') all = new kiln.TensorDataset(all.x, all.y.float().reshape(-1, 1));
    if (classes === 2 && s.output === 'softmax') throw new Error('this data has 2 classes with 0/1 labels: choose the sigmoid output (softmax needs class indices, as in blobs)');
    const [train, test] = s.testFraction > 0 ? kiln.trainTestSplit(all, { testFraction: s.testFraction, seed: s.seed }) : [all, all];
    this.points = { train, test };
    const kind = all.x.shape[1] === 1 ? '1d' : '2d';
    const inputsOf = (d: TensorDataset): TensorDataset => (kind === '2d' ? new kiln.TensorDataset(mapFeatures(d.x, s.features), d.y) : d);
    this.train = inputsOf(train);
    this.test = test === train ? this.train : inputsOf(test);
    const inputNames = kind === '2d' ? s.features.map((f) => FEATURE_LABELS[f]) : featureNames;
    this.info = { kind, classes, train: this.train.length, test: this.test.length, featureNames, inputNames };
    // The course's network from the settings, by the recipes the CLI uses too.
    const net = recipes.buildNetwork({
      inputShape: [inputNames.length], hidden: s.hidden, outputs: classes > 2 ? classes : 1, activation: 'tanh',
      outputActivation: s.output, loss: s.loss, init: recipes.INITS[s.init], keepProb: s.keepProb,
    });
    [this.model, this.predictor, this.lossName] = [net.train, net.keep, net.loss];
    [this.optimizer, this.schedule] = this.buildOptimizer();
  }

  private buildOptimizer(): [kiln.optim.Optimizer<{ lr: number }>, kiln.optim.InverseTimeLR | null] {
    const s = this.settings;
    const opt = recipes.makeOptimizer(s.optimizer, this.model.parameters(), { lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: s.eps });
    return [opt, s.decay > 0 ? new optim.InverseTimeLR(opt, { decayRate: s.decay }) : null];
  }

  /** The data loss (no L2 term) of the trained network's output. */
  private dataLoss(out: Tensor, y: Tensor): Tensor {
    return nn.functional[this.lossName](out, y);
  }

  /**
   * One pass over the training set in batches (full, mini or one example), then the decay step:
   * kiln.fit for one epoch, as the CLI trains (L2 and L1 as its options, the epoch numbered on).
   */
  async runEpoch(): Promise<void> {
    const s = this.settings;
    const batchSize = s.batch === 'full' ? 'full' : s.batch === 'one' ? 1 : Math.min(s.batchSize, this.train.length);
    const lr = this.optimizer.lr, epoch = this.epoch + 1;
    let measured: [[number, number], [number, number]];
    try {
      await kiln.fit(this.model, this.train, {
        initialEpoch: this.epoch, epochs: this.epoch + 1, batchSize, shuffle: s.batch !== 'full',
        optimizer: this.optimizer, loss: this.lossName, l2: s.l2, l1: s.l1, scheduler: this.schedule ?? undefined,
        // The worker hands the thread back between epochs itself. (fit fuses each Linear and its
        // activation into one op: same values and gradients, fewer tensors a step.)
        yieldEvery: 'never',
      });
      this.epoch++;
      measured = [await this.measure(this.train), await this.measure(this.test)];
    } catch (e) {
      // A loss or output that is no longer finite (fit's or evaluate's ValueError) is the steps
      // overshooting: said as the course would, with what to change.
      if (e instanceof kiln.ValueError && /finite|the loss became/.test(e.message)) {
        throw new Error(`Training diverged in epoch ${epoch}: the loss is no longer a finite number, so each step overshoots. Lower the learning rate α (now ${lr}) and press Reset.`);
      }
      throw e;
    }
    const [[trainLoss, trainAcc], [testLoss, testAcc]] = measured;
    this.history.loss.train.push(trainLoss); this.history.loss.test.push(testLoss);
    this.history.accuracy.train.push(trainAcc); this.history.accuracy.test.push(testAcc);
  }

  /** The loss and accuracy on a set (regression: the loss, and NaN for the accuracy it has not), in eval mode, by kiln.evaluate. */
  private async measure(ds: TensorDataset): Promise<[number, number]> {
    if (this.info.classes === 0) return [(await kiln.evaluate(this.model, ds, { loss: this.lossName, yieldEvery: 'never' })).loss!, NaN];
    const metric = this.info.classes > 2 ? 'accuracy' : 'binaryAccuracy';
    const logs = await kiln.evaluate(this.model, ds, { loss: this.lossName, metrics: [metric], yieldEvery: 'never' });
    return [logs.loss!, logs[metric]!];
  }

  /** Everything the page draws, now. */
  async snapshot(): Promise<Snapshot> {
    this.model.eval();
    const lossChart = kiln.viz.lineChart({
      title: 'loss', yLabel: this.settings.loss,
      series: [{ name: 'train', values: this.history.loss.train }, { name: 'test', values: this.history.loss.test }],
    });
    return {
      epoch: this.epoch,
      lr: this.optimizer.lr,
      loss: this.history.loss,
      accuracy: this.history.accuracy,
      ...(await this.plot()),
      lossChart,
      neurons: this.neuronOutputs(),
      weights: this.linears().map((l) => ({ W: rows(l.weight), b: Array.from(l.bias!.dataSync()) })),
      explain: this.explain(this.explainOf),
      biasVariance: this.settings.testFraction > 0 && this.info.classes > 0 && this.history.accuracy.train.length > 0
        ? kiln.biasVariance({ trainError: 1 - this.history.accuracy.train.at(-1)!, devError: 1 - this.history.accuracy.test.at(-1)! })
        : null,
    };
  }

  private linears(): kiln.nn.Linear[] {
    return this.model.layers.filter((l): l is kiln.nn.Linear => l instanceof nn.Linear);
  }

  /** The input range shown: the data's bounds with a margin. */
  private bounds(): [number, number][] {
    const x = this.points.train.x, d = x.shape[1]!;
    return Array.from({ length: d }, (_, j) => {
      let lo = Infinity, hi = -Infinity;
      for (let i = j; i < x.size; i += d) { lo = Math.min(lo, x.values[i]!); hi = Math.max(hi, x.values[i]!); }
      const pad = (hi - lo) * 0.1 || 1;
      return [lo - pad, hi + pad] as [number, number];
    });
  }

  /** The network's inputs for points of the data's space (2-D: the chosen features). */
  private inputs(points: Tensor): Tensor {
    return this.info.kind === '2d' ? mapFeatures(points, this.settings.features) : points;
  }

  /** Points on a grid over the bounds: n points (1-D) or n×n (2-D, row-major from the low corner). */
  private grid(n: number): Tensor {
    const b = this.bounds();
    if (this.info.kind === '1d') return kiln.linspace(b[0]![0], b[0]![1], n).reshape(n, 1);
    const pts = new Float32Array(n * n * 2);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        pts[2 * (j * n + i)] = b[0]![0] + ((i + 0.5) / n) * (b[0]![1] - b[0]![0]);
        pts[2 * (j * n + i) + 1] = b[1]![0] + ((j + 0.5) / n) * (b[1]![1] - b[1]![0]);
      }
    }
    return kiln.tensor(pts).reshape(n * n, 2);
  }

  /** The fitted curve over the beans; or the points, and the confidence over the plane under them. */
  private async plot(): Promise<Pick<Snapshot, 'plot' | 'boundary'>> {
    const { train: ds, test } = this.points;
    if (this.info.kind === '1d') {
      const xs = this.grid(200);
      const ys = await kiln.predict(this.predictor, xs, { yieldEvery: 'never' });
      const points: [number, number][] = [...Array.from(ds.x.dataSync(), (v, i) => [v, ds.y.values[i]!] as [number, number])];
      const svg = kiln.viz.curvePlot({ title: `${this.settings.dataset}, epoch ${this.epoch}`, points, curve: Array.from(xs.dataSync(), (v, i) => [v, ys.values[i]!]), xLabel: this.info.featureNames[0], yLabel: 'P(toxic)' });
      return { plot: svg.replace(/<svg /, '<svg data-chart="curve" '), boundary: null };
    }
    // 128 cells a side: a canvas about 420 px wide shows them smoothly scaled.
    const n = 128, b = this.bounds();
    const out = await kiln.predict(this.predictor, this.inputs(this.grid(n)), { yieldEvery: 'never' });
    const bounds = { xMin: b[0]![0], xMax: b[0]![1], yMin: b[1]![0], yMax: b[1]![1] };
    let grid: kiln.viz.Grid;
    if (this.info.classes > 2) {
      // The predictor ends in the output activation (softmax): its largest value is the confidence.
      grid = { nx: n, ny: n, ...bounds, values: Float32Array.from(out.argmax(1).dataSync()), confidence: Float32Array.from(out.amax(1).dataSync()), classes: this.info.classes };
    } else if (this.info.classes === 0) {
      grid = { nx: n, ny: n, ...bounds, values: Float32Array.from(out.dataSync()), regression: true };
    } else {
      grid = { nx: n, ny: n, ...bounds, values: Float32Array.from(out.dataSync()), classes: 2 };
    }
    // Regression targets take the colour of their sign.
    const colourOf = (v: number): number => (this.info.classes === 0 ? (v >= 0 ? 1 : 0) : v);
    const pointsOf = (d: kiln.TensorDataset): [number, number, number][] => Array.from({ length: d.length }, (_, i) => [d.x.values[2 * i]!, d.x.values[2 * i + 1]!, colourOf(Number(d.y.values[i]))]);
    // Held-out points as rings (none where the test set is the training set)
    const svg = kiln.viz.boundaryPlot({
      title: this.settings.dataset, points: pointsOf(ds), ...(test !== ds ? { testPoints: pointsOf(test) } : {}), xLabel: this.info.featureNames[0], yLabel: this.info.featureNames[1],
      grid: { nx: 0, ny: 0, ...bounds, values: [] },
    });
    const boundary = { nx: n, ny: n, rgba: kiln.viz.boundaryRaster(grid, { discretize: this.discretize }), area: kiln.viz.PLOT_AREA };
    return { plot: svg.replace(/<svg /, '<svg data-chart="boundary" '), boundary };
  }

  /** Each hidden unit's activation over a small grid of inputs (eval mode). */
  private neuronOutputs(): Snapshot['neurons'] {
    const cells = this.info.kind === '1d' ? 48 : 16;
    const values: number[][][] = [];
    const columns = (t: Tensor): number[][] => {
      const [n, k] = t.shape as [number, number];
      return Array.from({ length: k }, (_, u) => Array.from({ length: n }, (_, r) => t.values[r * k + u]!));
    };
    let inputs: number[][] = [];
    kiln.noGrad(() => {
      let a = this.inputs(this.grid(cells));
      inputs = columns(a);
      for (const layer of this.model.layers) {
        a = layer.forward(a);
        if (!(layer instanceof nn.Linear) && !(layer instanceof nn.Dropout) && values.length < this.settings.hidden.length) {
          const units = a.shape[1]!;
          values.push(Array.from({ length: units }, (_, u) => Array.from({ length: a.shape[0]! }, (_, r) => a.values[r * units + u]!)));
        }
      }
    });
    return { cells, values, inputs, range: this.bounds() };
  }

  /**
   * The course's equations for one training example or the first mini-batch, with Kiln's numbers, in
   * the course's orientation (examples as columns): Z[l] = W[l]A[l−1] + b[l], A[l] = g[l](Z[l]), then
   * dZ, dW = (1/m)·dZ·A[l−1]ᵀ, db = (1/m)·Σ dZ. Each layer runs on detached copies and the backward
   * pass goes stage by stage, so every intermediate gradient can be read (the model's own gradients
   * are untouched). Autograd's ∂J/∂Z is (1/m)·dZ: J averages over the m examples.
   */
  explain(of: number | 'batch'): Explain {
    const s = this.settings;
    const batch = s.batch === 'full' ? this.train.length : s.batch === 'one' ? 1 : Math.min(s.batchSize, this.train.length);
    const index = of === 'batch' ? 0 : Math.max(0, Math.min(this.train.length - 1, Math.floor(of)));
    const m = of === 'batch' ? batch : 1;
    const x = this.train.x.narrow(0, index, m), y = this.train.y.narrow(0, index, m);
    const layers = this.model.layers.filter((l) => !(l instanceof nn.Dropout));
    const stages: { a: Tensor; W: Tensor; b: Tensor; z: Tensor; zLeaf: Tensor; out: Tensor; act: string }[] = [];
    let a = x;
    layers.forEach((l, i) => {
      if (!(l instanceof nn.Linear)) return;
      const W = l.weight.detach().requiresGrad_(), b = l.bias!.detach().requiresGrad_();
      const aLeaf = a.detach().requiresGrad_();
      const z = nn.functional.linear(aLeaf, W, b);
      const zLeaf = z.detach().requiresGrad_();
      // g is the layer after this Linear; none (the logits the loss takes) is the identity here.
      const g = layers[i + 1] && !(layers[i + 1] instanceof nn.Linear) ? layers[i + 1]! : null;
      const out = g ? g.forward(zLeaf) : zLeaf.mul(1);
      stages.push({ a: aLeaf, W, b, z, zLeaf, out, act: g ? nn.activationName(g) ?? g.constructor.name : s.output });
      a = out;
    });
    const cost = this.dataLoss(a, y);
    cost.backward();
    for (let i = stages.length - 1; i >= 0; i--) {
      const st = stages[i]!;
      if (i < stages.length - 1) st.out.backward(stages[i + 1]!.a.grad!);
      st.z.backward(st.zLeaf.grad!);
    }
    const columns = (t: Tensor): number[][] => rows(t.reshape(m, -1).t());
    const last = stages.length - 1;
    const classes = this.info.classes > 2;
    // With a loss on logits the model has no output layer: A[L] is g[L] = sigmoid or softmax of Z[L].
    const outputA = (st: (typeof stages)[number], i: number): Tensor =>
      i === last && s.loss !== 'mse' ? (classes ? st.zLeaf.detach().softmax(1) : st.zLeaf.detach().sigmoid()) : st.out.detach();
    const Y = classes ? rows(kiln.tensor(Array.from(y.dataSync(), (c) => Array.from({ length: this.info.classes }, (_, k) => (k === c ? 1 : 0)))).t()) : columns(y);
    return {
      of, m, X: columns(x), Y, cost: cost.item(), lossForm: s.loss === 'mse' ? 'squaredError' : 'crossEntropy',
      layers: stages.map((st, i) => ({
        activation: st.act, W: rows(st.W), b: Array.from(st.b.dataSync()), Z: columns(st.z), A: columns(outputA(st, i)),
        dZ: columns(st.zLeaf.grad!.mul(m)), dW: rows(st.W.grad!), db: Array.from(st.b.grad!.dataSync()),
      })),
    };
  }

  /**
   * Sets one weight by hand, W[layer][out, in] (layers from 1, as the course numbers them; the
   * diagram's edges): the learner's experiment of what one connection does.
   */
  setWeight(layer: number, out: number, input: number, value: number): void {
    const l = this.linears()[layer - 1];
    if (!l) throw new Error(`there is no layer ${layer}: the network has ${this.linears().length}`);
    const [outs, ins] = l.weight.shape as [number, number];
    if (!Number.isInteger(out) || !Number.isInteger(input) || out < 0 || out >= outs || input < 0 || input >= ins) {
      throw new Error(`W[${layer}] is ${outs}×${ins}: no weight at (${out + 1}, ${input + 1})`);
    }
    if (!Number.isFinite(value)) throw new Error(`a weight must be a finite number, got ${value}`);
    l.weight.values[out * ins + input] = value;
  }

  /** The model that predicts, as one file `kiln.load` reads. */
  exportModel(): Uint8Array {
    return kiln.serializeModelFile(this.predictor, { playground: this.settings });
  }

  /** Replaces the network with an exported one, which must fit this data; training goes on from it. */
  importModel(bytes: Uint8Array): void {
    const { model } = kiln.deserializeModelFile(bytes, 'the model file');
    if (!(model instanceof nn.Sequential)) throw new Error('the model file does not hold a Sequential network');
    const inputs = this.train.x.shape[1]!;
    const first = model.layers.find((l): l is kiln.nn.Linear => l instanceof nn.Linear);
    if (!first || first.weight.shape[1] !== inputs) throw new Error(`the model takes ${first?.weight.shape[1] ?? '?'} inputs but this data has ${inputs}`);
    // Its output activation comes off, and goes back on as these settings have it.
    const layers = [...model.layers];
    if (!(layers.at(-1) instanceof nn.Linear)) layers.pop();
    const net = recipes.finishNetwork(layers, [inputs], this.settings.loss, this.settings.output);
    [this.model, this.predictor, this.lossName] = [net.train, net.keep, net.loss];
    [this.optimizer, this.schedule] = this.buildOptimizer();
  }
}

/** A 2-D tensor as rows of numbers. */
function rows(t: Tensor): number[][] {
  const [r, c] = t.shape as [number, number];
  return Array.from({ length: r }, (_, i) => Array.from(t.dataSync().subarray(i * c, (i + 1) * c)));
}
