// TensorFlow.js workloads for npm run bench: the same models and data as Kiln's, on TF.js's
// cpu and wasm backends. Slow workloads are timed over a bounded slice and reported as rates.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { rate } from '../rate.mjs';

const require = createRequire(import.meta.url);
setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));

export async function useBackend(name) {
  await tf.setBackend(name);
  await tf.ready();
}

export async function matmulGflops(size, seconds) {
  const a = tf.randomNormal([size, size]), b = tf.randomNormal([size, size]);
  const r = await rate(async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); }, seconds);
  a.dispose(); b.dispose();
  return (r * 2 * size ** 3) / 1e9;
}

/** The MLP of every benchmark, in TF.js layers (NHWC input). */
export function mlp() {
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
  m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10 }));
  return m;
}

/** LeNet-5 as Kiln's zoo builds it (ReLU, max pooling), in TF.js layers (NHWC input). */
export function lenet() {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 120, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 84, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10 }));
  return m;
}

/** Samples per second training `make()` with Adam, batch 64, on NHWC digits; null where the backend cannot. */
async function trainRate(make, images, labels, seconds) {
  const model = make();
  const optimizer = tf.train.adam(1e-3);
  const n = images.shape[0];
  let at = 0;
  const step = async () => {
    const start = at % (n - 64);
    at += 64;
    const cost = optimizer.minimize(() => tf.tidy(() => {
      const x = images.slice([start, 0, 0, 0], [64, 28, 28, 1]);
      const y = labels.slice([start], [64]);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), model.apply(x));
    }), true);
    await cost.data();
    cost.dispose();
  };
  try {
    return 64 * (await rate(step, seconds));
  } catch (e) {
    return { cannot: String(e.message ?? e).split('\n')[0].slice(0, 80) };
  } finally {
    model.dispose();
  }
}

export async function mlpTrain(images, labels, seconds) { return trainRate(mlp, images, labels, seconds); }
export async function lenetTrain(images, labels, seconds) { return trainRate(lenet, images, labels, seconds); }

export async function lenetInfer(images, seconds) {
  const model = lenet();
  const x = images.slice([0, 0, 0, 0], [256, 28, 28, 1]);
  const r = await rate(async () => { const y = model.predict(x); await y.data(); y.dispose(); }, seconds);
  x.dispose(); model.dispose();
  return r * 256;
}

/** The beans demo's per-sample SGD steps (1-2-1 sigmoid, squared error), as steps per second. */
export async function beansSteps(xs, ys, seconds) {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [1], units: 2, activation: 'sigmoid' }));
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  const optimizer = tf.train.sgd(0.03);
  const x = tf.tensor2d(xs, [xs.length, 1]), y = tf.tensor2d(ys, [ys.length, 1]);
  let i = 0;
  const r = await rate(async () => {
    const k = i++ % xs.length;
    const cost = optimizer.minimize(() => tf.tidy(() => tf.losses.meanSquaredError(y.slice([k, 0], [1, 1]), m.apply(x.slice([k, 0], [1, 1])))), true);
    await cost.data();
    cost.dispose();
  }, seconds);
  x.dispose(); y.dispose(); m.dispose();
  return r;
}

export { tf };
