import { join } from 'node:path';
import { beans } from '../data/beans.js';
import { mnist } from '../data/mnist.js';
import { flower } from '../data/planar.js';
import { lenet5 } from '../models/lenet5.js';
import { writeFileAtomic } from '../node/atomic.js';
import { Sigmoid, Tanh } from '../nn/layers/activations.js';
import { Linear } from '../nn/layers/linear.js';
import { Sequential } from '../nn/layers/sequential.js';
import { Momentum } from '../optim/momentum.js';
import { SGD } from '../optim/sgd.js';
import { manualSeed } from '../tensor/random.js';
import { evaluate, fit } from '../train/fit.js';
import { trainTestSplit } from '../train/dataset.js';
import { lineChart } from '../viz/svg.js';
import { decisionBoundarySvg, fittedCurveSvg } from '../viz/model-plots.js';
import { progressBar } from './progress.js';

/** The course's beans example: 100 beans, one hidden layer of 2 sigmoid neurons, per-sample SGD. */
export const BEANS_DEMO = { beans: 100, hidden: 2, lr: 0.03, epochs: 5000 } as const;
/** The course's planar flower: one hidden layer of 4 tanh units, batch gradient descent. */
export const FLOWER_DEMO = { hidden: 4, lr: 1.2, epochs: 5000 } as const;
/**
 * A short LeNet-5 run on real digits: 3,000 training digits, 2 epochs, the course's momentum. At
 * α = 0.3 it takes the steps PyTorch's momentum takes at 0.03 (its v is (1 − β) times as big).
 */
export const DIGITS_DEMO = { trainSize: 3000, epochs: 2, lr: 0.3, batchSize: 16 } as const;

/**
 * `kiln demo`: reproduces the course's first worked example (beans) and its planar flower, prints
 * progress, and writes the fitted curve, the decision boundary and both loss curves as SVG; then
 * trains LeNet-5 briefly on real handwritten digits.
 */
export async function demoCommand({ out, seed }: { out: string; seed: number }, log: (line: string) => void = console.log): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(out, { recursive: true });

  // 1. Beans: toxic or not by size, a hill-shaped boundary one neuron cannot draw.
  manualSeed(seed);
  const beanSet = beans({ n: BEANS_DEMO.beans, seed });
  const beanNet = new Sequential(new Linear(1, BEANS_DEMO.hidden), new Sigmoid(), new Linear(BEANS_DEMO.hidden, 1), new Sigmoid());
  log(`beans: ${BEANS_DEMO.beans} beans, network 1-${BEANS_DEMO.hidden}-1 (sigmoid), squared error, per-sample SGD α = ${BEANS_DEMO.lr}, ${BEANS_DEMO.epochs} epochs`);
  const t0 = performance.now();
  const b = await fit(beanNet, beanSet, {
    epochs: BEANS_DEMO.epochs, batchSize: 1, optimizer: new SGD(beanNet.parameters(), { lr: BEANS_DEMO.lr }),
    loss: 'mseLoss', metrics: ['accuracy'], callbacks: [progressBar('beans ', BEANS_DEMO.epochs, { accuracy: true, validation: false })],
  });
  const beanAcc = (await evaluate(beanNet, beanSet, { loss: 'mseLoss', metrics: ['accuracy'] })).accuracy!;
  log(`beans: ${BEANS_DEMO.epochs * BEANS_DEMO.beans} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s, cost ${b.history.loss!.at(-1)!.toFixed(4)}, accuracy ${(beanAcc * 100).toFixed(1)}%`);
  await writeFileAtomic(join(out, 'beans-curve.svg'), await fittedCurveSvg(beanNet, beanSet, { title: `Beans: the fitted curve after ${BEANS_DEMO.epochs} epochs (accuracy ${(beanAcc * 100).toFixed(0)}%)` }));
  await writeFileAtomic(join(out, 'beans-loss.svg'), lineChart({ title: 'Beans: cost over epochs', series: [{ name: 'squared error', values: b.history.loss! }], yLabel: 'cost' }));

  // 2. The planar flower: 4 tanh units draw the petals that logistic regression cannot.
  manualSeed(seed);
  const [train, test] = trainTestSplit(flower({ seed }), { testFraction: 0.25, seed });
  const flowerNet = new Sequential(new Linear(2, FLOWER_DEMO.hidden), new Tanh(), new Linear(FLOWER_DEMO.hidden, 1));
  log(`flower: ${train.length} train / ${test.length} test points, network 2-${FLOWER_DEMO.hidden}-1 (tanh), logistic cost, gradient descent α = ${FLOWER_DEMO.lr}, ${FLOWER_DEMO.epochs} epochs`);
  const f = await fit(flowerNet, train, {
    epochs: FLOWER_DEMO.epochs, batchSize: 'full', optimizer: new SGD(flowerNet.parameters(), { lr: FLOWER_DEMO.lr }),
    loss: 'binaryCrossEntropyWithLogits', metrics: ['accuracy'], validationData: test, callbacks: [progressBar('flower', FLOWER_DEMO.epochs, { accuracy: true, validation: true })],
  });
  log(`flower: train accuracy ${(f.history.accuracy!.at(-1)! * 100).toFixed(1)}%, test accuracy ${(f.history.valAccuracy!.at(-1)! * 100).toFixed(1)}%`);
  await writeFileAtomic(join(out, 'flower-boundary.svg'), await decisionBoundarySvg(flowerNet, test, { title: 'Flower: decision boundary, 4 tanh units (test points)', fromLogits: true }));
  await writeFileAtomic(join(out, 'flower-loss.svg'), lineChart({ title: 'Flower: cost over epochs', series: [{ name: 'train', values: f.history.loss! }, { name: 'test', values: f.history.valLoss! }], yLabel: 'cost' }));

  // 3. Handwritten digits: LeNet-5 on real MNIST images, briefly.
  manualSeed(seed);
  const digits = await mnist({ trainSize: DIGITS_DEMO.trainSize });
  const lenet = lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
  log(`digits: LeNet-5 (${lenet.parameters().reduce((n, p) => n + p.size, 0).toLocaleString('en-US')} parameters) on ${digits.train.length} MNIST digits, ${DIGITS_DEMO.epochs} epochs of gradient descent with momentum (β = 0.9), tested on ${digits.test.length} others`);
  const d = await fit(lenet, digits.train, {
    epochs: DIGITS_DEMO.epochs, batchSize: DIGITS_DEMO.batchSize, optimizer: new Momentum(lenet.parameters(), { lr: DIGITS_DEMO.lr, beta: 0.9 }),
    loss: 'crossEntropy', metrics: ['accuracy'], validationData: digits.test, callbacks: [progressBar('digits', DIGITS_DEMO.epochs, { accuracy: true, validation: true })],
  });
  log(`digits: test accuracy ${(d.history.valAccuracy!.at(-1)! * 100).toFixed(1)}% (kiln train mnist --model lenet5 trains on all 7,996)`);
  log(`plots: ${['beans-curve', 'beans-loss', 'flower-boundary', 'flower-loss'].map((n) => join(out, `${n}.svg`)).join(', ')}`);
}
