import { join } from 'node:path';
import { ValueError } from '../errors.js';
import { beans } from '../data/beans.js';
import { readCsv } from '../data/csv.js';
import { PLANAR } from '../data/planar.js';
import { writeFileAtomic } from '../io/atomic.js';
import { save } from '../io/save.js';
import { InverseTimeLR } from '../optim/schedules.js';
import { manualSeed } from '../tensor/random.js';
import type { TensorDataset } from '../train/dataset.js';
import { trainTestSplit } from '../train/dataset.js';
import { fit } from '../train/fit.js';
import type { MetricName } from '../train/metrics.js';
import { checkInt, checkOneOf, checkRange } from '../validate.js';
import { lineChart } from '../viz/svg.js';
import { decisionBoundarySvg, fittedCurveSvg } from '../viz/model-plots.js';
import { ACTIVATIONS, INITS, LOSS_CHOICES, OUTPUT_ACTIVATIONS, buildNetwork, makeOptimizer } from './network.js';
import type { ActivationName, LossChoice, OutputActivation } from './network.js';
import { progressBar } from './progress.js';

/** The options of `kiln train`, as commander hands them over (strings until checked here). */
export interface TrainArgs {
  hidden: string;
  activation: string;
  outputActivation?: string;
  loss?: string;
  optimizer: string;
  lr: string;
  lrDecay: string;
  epochs: string;
  batchSize: string;
  l2: string;
  keepProb: string;
  init: string;
  seed: string;
  testSplit: string;
  label: string;
  save?: string;
  plot?: string;
}

const BUILT_IN = ['beans', ...Object.keys(PLANAR)];

const num = (name: string, v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new ValueError(`train: --${name} must be a number, got "${v}"`);
  return n;
};

async function loadData(source: string, label: string, seed: number): Promise<TensorDataset> {
  if (source === 'beans') return beans({ n: 100, seed });
  if (source in PLANAR) return PLANAR[source as keyof typeof PLANAR]({ seed });
  if (source.toLowerCase().endsWith('.csv')) return readCsv(source, { label });
  throw new ValueError(`train: unknown dataset "${source}"; use one of ${BUILT_IN.join(', ')} or a path to a .csv file`);
}

/** `kiln train <dataset|file.csv> [options]`: trains a dense network and reports, plots and saves it. */
export async function trainCommand(source: string, a: TrainArgs, log: (line: string) => void = console.log): Promise<void> {
  const seed = checkInt('train', '--seed', num('seed', a.seed), 0);
  const hidden = a.hidden.trim() === '' ? [] : a.hidden.split(',').map((h) => checkInt('train', '--hidden (comma-separated layer sizes)', num('hidden', h)));
  const activation = checkOneOf('train', '--activation', a.activation, ACTIVATIONS) as ActivationName;
  const lr = checkRange('train', '--lr', num('lr', a.lr), { min: 0, minOpen: true });
  const lrDecay = checkRange('train', '--lr-decay', num('lr-decay', a.lrDecay), { min: 0 });
  const epochs = checkInt('train', '--epochs', num('epochs', a.epochs));
  const batchSize = a.batchSize === 'full' ? 'full' : checkInt('train', '--batch-size (a count or "full")', num('batch-size', a.batchSize));
  const l2 = checkRange('train', '--l2', num('l2', a.l2), { min: 0 });
  const keepProb = checkRange('train', '--keep-prob', num('keep-prob', a.keepProb), { min: 0, max: 1, minOpen: true });
  const init = INITS[checkOneOf('train', '--init', a.init, Object.keys(INITS))]!;
  const testSplit = checkRange('train', '--test-split', num('test-split', a.testSplit), { min: 0, max: 1, maxOpen: true });

  manualSeed(seed);
  const data = await loadData(source, a.label, seed);
  const classes = data.y.dtype === 'int32';
  const binary = !classes && Array.from(data.y.data).every((v) => v === 0 || v === 1);
  const loss = checkOneOf('train', '--loss', a.loss ?? (classes ? 'crossEntropy' : binary ? 'bce' : 'mse'), LOSS_CHOICES) as LossChoice;
  const outputActivation = checkOneOf('train', '--output-activation', a.outputActivation ?? (loss === 'crossEntropy' ? 'softmax' : loss === 'bce' ? 'sigmoid' : binary ? 'sigmoid' : 'linear'), OUTPUT_ACTIVATIONS) as OutputActivation;
  if (loss === 'crossEntropy' && !classes) throw new ValueError('train: --loss crossEntropy needs integer class labels; this data has float labels (use bce or mse)');
  if (loss !== 'crossEntropy' && classes) throw new ValueError(`train: --loss ${loss} needs float labels; this data has class indices (use crossEntropy)`);
  const outputs = classes ? Math.max(...Array.from(data.y.data)) + 1 : data.y.size / data.length;
  const net = buildNetwork({ inputs: data.x.size / data.length, hidden, outputs, activation, outputActivation, loss, init, keepProb });

  const [train, test] = testSplit > 0 ? trainTestSplit(data, { testFraction: testSplit, seed }) : [data, undefined];
  const optimizer = makeOptimizer(a.optimizer, net.train.parameters(), lr);
  const metrics: MetricName[] = binary || classes ? ['accuracy'] : [];
  log(`kiln train ${source}: ${data.length} examples (${train.length} train${test ? `, ${test.length} test` : ''}), network ${[data.x.size / data.length, ...hidden, outputs].join('-')} ${activation}/${outputActivation}, ${net.loss}, ${a.optimizer} lr ${lr}`);
  const result = await fit(net.train, train, {
    epochs, batchSize, optimizer, loss: net.loss, metrics, l2, validationData: test,
    scheduler: lrDecay > 0 ? new InverseTimeLR(optimizer, { decayRate: lrDecay }) : undefined,
    callbacks: [progressBar('train', epochs, { accuracy: metrics.length > 0, validation: test !== undefined })],
  });

  const h = result.history;
  const final = (k: string): string => (h[k] ? h[k]!.at(-1)!.toFixed(4) : '–');
  log(`done: loss ${final('loss')}${metrics.length ? `, train accuracy ${final('accuracy')}` : ''}${test ? `, test loss ${final('valLoss')}${metrics.length ? `, test accuracy ${final('valAccuracy')}` : ''}` : ''}`);

  if (a.plot) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(a.plot, { recursive: true });
    const series = [{ name: 'train loss', values: h.loss! }, ...(h.valLoss ? [{ name: 'test loss', values: h.valLoss }] : [])];
    await writeFileAtomic(join(a.plot, 'loss.svg'), lineChart({ title: `${source}: cost over epochs`, series, yLabel: 'loss' }));
    const features = data.x.size / data.length;
    if (features === 1) {
      await writeFileAtomic(join(a.plot, 'curve.svg'), fittedCurveSvg(net.keep, data, { title: `${source}: fitted curve` }));
      log(`plots: ${join(a.plot, 'loss.svg')}, ${join(a.plot, 'curve.svg')}`);
    } else if (features === 2 && (binary || classes)) {
      await writeFileAtomic(join(a.plot, 'boundary.svg'), decisionBoundarySvg(net.keep, data, { title: `${source}: decision boundary` }));
      log(`plots: ${join(a.plot, 'loss.svg')}, ${join(a.plot, 'boundary.svg')}`);
    } else {
      log(`plots: ${join(a.plot, 'loss.svg')} (no boundary plot for ${features}-D data)`);
    }
  }
  if (a.save) {
    await save(net.keep, a.save, { metadata: { source, epochs: result.epochs, history: h } });
    log(`saved: ${a.save}/model.json, ${a.save}/weights.safetensors`);
  }
}
