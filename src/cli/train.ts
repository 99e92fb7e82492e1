import { join } from 'node:path';
import { ValueError } from '../errors.js';
import { beans } from '../data/beans.js';
import { readCsv } from '../node/data-files.js';
import { mnist } from '../data/mnist.js';
import { PLANAR } from '../data/planar.js';
import { writeFileAtomic } from '../node/atomic.js';
import { save } from '../node/model-files.js';
import { checkpointDir } from '../node/checkpoint-dir.js';
import { lenet5 } from '../models/lenet5.js';
import { InverseTimeLR } from '../optim/schedules.js';
import { manualSeed } from '../tensor/random.js';
import type { TensorDataset } from '../train/dataset.js';
import { trainTestSplit } from '../train/dataset.js';
import { fit } from '../train/fit.js';
import type { FitResult } from '../train/fit.js';
import { biasVariance } from '../train/diagnosis.js';
import type { MetricName } from '../train/metrics.js';
import { checkInt, checkOneOf, checkRange } from '../validate.js';
import { lineChart } from '../viz/svg.js';
import { decisionBoundarySvg, fittedCurveSvg } from '../viz/model-plots.js';
import { networkDiagram } from '../viz/network.js';
import { Linear } from '../nn/layers/linear.js';
import { ACTIVATIONS, INITS, INIT_NAMES, LOSS_CHOICES, OUTPUT_ACTIVATIONS, buildNetwork, finishNetwork, makeOptimizer } from '../nn/recipes.js';
import type { ActivationName, LossChoice, Network, OutputActivation } from '../nn/recipes.js';
import { progressBar } from './progress.js';

/** The options of `kiln train`, as commander hands them over (strings until checked here). */
export interface TrainArgs {
  model: string;
  hidden?: string;
  activation?: string;
  outputActivation?: string;
  loss?: string;
  optimizer: string;
  lr?: string;
  lrDecay: string;
  epochs?: string;
  batchSize: string;
  l2: string;
  l1: string;
  keepProb: string;
  init: string;
  seed: string;
  testSplit: string;
  trainSize?: string;
  label: string;
  save?: string;
  plot?: string;
  checkpoint?: string;
  resume?: boolean;
}

const BUILT_IN = ['beans', ...Object.keys(PLANAR), 'mnist'];
export const MODELS = ['mlp', 'lenet5'] as const;

/** Defaults that differ between the small course data sets and the digits. */
const DEFAULTS = {
  small: { hidden: '4', activation: 'tanh', lr: '0.01', epochs: '500' },
  mnist: { hidden: '128,64', activation: 'relu', lr: '0.001', epochs: '3' },
};

const num = (name: string, v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new ValueError(`train: --${name} must be a number, got "${v}"`);
  return n;
};

/** The training set and, when there is one, the test set. */
async function loadData(source: string, a: TrainArgs, seed: number, testSplit: number): Promise<[TensorDataset, TensorDataset | undefined]> {
  if (source === 'mnist') {
    const { train, test } = await mnist({ trainSize: a.trainSize === undefined ? undefined : checkInt('train', '--train-size', num('train-size', a.trainSize)) });
    return [train, test];
  }
  let data: TensorDataset;
  if (source === 'beans') data = beans({ n: 100, seed });
  else if (source in PLANAR) data = PLANAR[source as keyof typeof PLANAR]({ seed });
  else if (source.toLowerCase().endsWith('.csv')) data = await readCsv(source, { label: a.label });
  else throw new ValueError(`train: unknown dataset "${source}"; use one of ${BUILT_IN.join(', ')} or a path to a .csv file`);
  return testSplit > 0 ? trainTestSplit(data, { testFraction: testSplit, seed }) : [data, undefined];
}

/** What one training run made: the networks, the data, the history, and what kind of labels. */
export interface TrainRun {
  net: Network;
  train: TensorDataset;
  test: TensorDataset | undefined;
  result: FitResult;
  inputShape: number[];
  binary: boolean;
  classes: boolean;
  metrics: MetricName[];
}

/**
 * Trains a network as `kiln train` describes it (`a` as commander hands the options over), logging
 * the set-up and, when `progress`, a progress bar. `kiln train` reports on it; `kiln search` scores it.
 */
export async function trainRun(source: string, a: TrainArgs, log: (line: string) => void, progress = true): Promise<TrainRun> {
  const d = source === 'mnist' ? DEFAULTS.mnist : DEFAULTS.small;
  const seed = checkInt('train', '--seed', num('seed', a.seed), 0);
  const model = checkOneOf('train', '--model', a.model, MODELS);
  const hiddenText = a.hidden ?? d.hidden;
  const hidden = hiddenText.trim() === '' ? [] : hiddenText.split(',').map((h) => checkInt('train', '--hidden (comma-separated layer sizes)', num('hidden', h)));
  const activation = checkOneOf('train', '--activation', a.activation ?? d.activation, ACTIVATIONS) as ActivationName;
  const lr = checkRange('train', '--lr', num('lr', a.lr ?? d.lr), { min: 0, minOpen: true });
  const lrDecay = checkRange('train', '--lr-decay', num('lr-decay', a.lrDecay), { min: 0 });
  const epochs = checkInt('train', '--epochs', num('epochs', a.epochs ?? d.epochs));
  const batchSize = a.batchSize === 'full' ? 'full' : checkInt('train', '--batch-size (a count or "full")', num('batch-size', a.batchSize));
  const l2 = checkRange('train', '--l2', num('l2', a.l2), { min: 0 });
  const l1 = checkRange('train', '--l1', num('l1', a.l1), { min: 0 });
  const keepProb = checkRange('train', '--keep-prob', num('keep-prob', a.keepProb), { min: 0, max: 1, minOpen: true });
  // auto: the course's advice, Xavier N(0, 1/n[l−1]) for tanh and sigmoid layers, He N(0, 2/n[l−1]) for ReLUs.
  const initName = checkOneOf('train', '--init', a.init, ['auto', ...INIT_NAMES]);
  const init = INITS[initName === 'auto' ? (activation === 'relu' || activation === 'leakyRelu' ? 'he' : 'xavier') : initName];
  const testSplit = checkRange('train', '--test-split', num('test-split', a.testSplit), { min: 0, max: 1, maxOpen: true });

  if (a.resume && a.checkpoint === undefined) throw new ValueError('train: --resume goes on from a checkpoint: give its directory with --checkpoint');
  manualSeed(seed);
  const [train, test] = await loadData(source, a, seed, testSplit);
  const inputShape = train.x.shape.slice(1);
  const classes = train.y.dtype === 'int32';
  const binary = !classes && Array.from(train.y.values).every((v) => v === 0 || v === 1);
  const loss = checkOneOf('train', '--loss', a.loss ?? (classes ? 'crossEntropy' : binary ? 'bce' : 'mse'), LOSS_CHOICES) as LossChoice;
  const outputActivation = checkOneOf('train', '--output-activation', a.outputActivation ?? (loss === 'crossEntropy' ? 'softmax' : loss === 'bce' ? 'sigmoid' : binary ? 'sigmoid' : 'linear'), OUTPUT_ACTIVATIONS) as OutputActivation;
  if (loss === 'crossEntropy' && !classes) throw new ValueError('train: --loss crossEntropy needs integer class labels; this data has float labels (use bce or mse)');
  if (loss !== 'crossEntropy' && classes) throw new ValueError(`train: --loss ${loss} needs float labels; this data has class indices (use crossEntropy)`);
  const outputs = classes ? Math.max(...Array.from(train.y.values)) + 1 : train.y.size / train.length;

  let net: Network;
  let described: string;
  if (model === 'lenet5') {
    if (inputShape.join() !== '1,28,28') throw new ValueError(`train: --model lenet5 needs 28×28 grayscale images (mnist), got examples of shape [${inputShape.join(', ')}]`);
    const act = activation === 'tanh' ? 'tanh' : 'relu';
    net = finishNetwork(lenet5({ inputSize: 28, activation: act, pool: act === 'relu' ? 'max' : 'avg', classes: outputs }).layers, inputShape, loss, outputActivation);
    described = `LeNet-5 (${act})`;
  } else {
    net = buildNetwork({ inputShape, hidden, outputs, activation, outputActivation, loss, init, keepProb });
    described = `network ${[inputShape.reduce((x, y) => x * y, 1), ...hidden, outputs].join('-')} ${activation}/${outputActivation}`;
  }

  const optimizer = makeOptimizer(a.optimizer, net.train.parameters(), lr);
  const metrics: MetricName[] = binary || classes ? ['accuracy'] : [];
  log(`kiln train ${source}: ${train.length} train${test ? ` / ${test.length} test` : ''} examples, ${described}, ${net.loss}, ${a.optimizer} lr ${lr}`);
  const result = await fit(net.train, train, {
    epochs, batchSize, optimizer, loss: net.loss, metrics, l2, l1, validationData: test,
    checkpoint: a.checkpoint === undefined ? undefined : checkpointDir(a.checkpoint), resume: a.resume === true,
    scheduler: lrDecay > 0 ? new InverseTimeLR(optimizer, { decayRate: lrDecay }) : undefined,
    callbacks: progress ? [progressBar('train', epochs, { accuracy: metrics.length > 0, validation: test !== undefined })] : [],
  });
  return { net, train, test, result, inputShape, binary, classes, metrics };
}

/** `kiln train <dataset|file.csv> [options]`: trains a network and reports, plots and saves it. */
export async function trainCommand(source: string, a: TrainArgs, log: (line: string) => void = console.log): Promise<void> {
  const { net, train, test, result, inputShape, binary, classes, metrics } = await trainRun(source, a, log);

  const h = result.history;
  const final = (k: string): string => (h[k] ? h[k]!.at(-1)!.toFixed(4) : '–');
  log(`done: loss ${final('loss')}${metrics.length ? `, train accuracy ${final('accuracy')}` : ''}${test ? `, test loss ${final('valLoss')}${metrics.length ? `, test accuracy ${final('valAccuracy')}` : ''}` : ''}`);
  if (metrics.length && h.valAccuracy) {
    // The course's reading of the two errors (the held-out set plays the dev set).
    const bv = biasVariance({ trainError: 1 - h.accuracy!.at(-1)!, devError: 1 - h.valAccuracy.at(-1)! });
    const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
    log(`bias/variance: train error ${pct(bv.trainError)}, held-out error ${pct(bv.devError)}: ${bv.diagnosis}; ${bv.advice}`);
  }

  if (a.plot) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(a.plot, { recursive: true });
    const series = [{ name: 'train loss', values: h.loss! }, ...(h.valLoss ? [{ name: 'test loss', values: h.valLoss }] : [])];
    const written = [join(a.plot, 'loss.svg')];
    await writeFileAtomic(written[0]!, lineChart({ title: `${source}: cost over epochs`, series, yLabel: 'loss' }));
    if (inputShape.length === 1 && inputShape[0] === 1) {
      written.push(join(a.plot, 'curve.svg'));
      await writeFileAtomic(written[1]!, await fittedCurveSvg(net.keep, train, { title: `${source}: fitted curve` }));
    } else if (inputShape.length === 1 && inputShape[0] === 2 && (binary || classes)) {
      written.push(join(a.plot, 'boundary.svg'));
      await writeFileAtomic(written[1]!, await decisionBoundarySvg(net.keep, train, { title: `${source}: decision boundary` }));
    }
    // The trained weights as the playground draws them, for a dense network on a few features.
    const linears = net.train.layers.filter((l): l is Linear => l instanceof Linear);
    if (linears.length === net.train.layers.filter((l) => l.parameters().length > 0).length && inputShape.length === 1 && inputShape[0]! <= 64) {
      const file = join(a.plot, 'network.svg');
      const weights = await Promise.all(linears.map(async (l) => l.weight.toArrayAsync() as Promise<number[][]>));
      await writeFileAtomic(file, networkDiagram({ weights, title: `${source}: trained weights (orange +, blue −)` }).svg);
      written.push(file);
    }
    const shaped = written.some((f) => /(curve|boundary)\.svg$/.test(f));
    log(`plots: ${written.join(', ')}${shaped ? '' : ` (no curve or boundary for examples of shape [${inputShape.join(', ')}])`}`);
  }
  if (a.save) {
    await save(net.keep, a.save, { metadata: { source, epochs: result.epochs, history: h } });
    log(`saved: ${a.save}/model.json and the weights it names`);
  }
}
