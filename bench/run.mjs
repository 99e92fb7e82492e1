// npm run bench: times Kiln's training workloads and writes bench/results.json.
// Not part of `npm test`. Run on an otherwise idle machine; each workload reports the best of
// a few repetitions.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kiln from '../dist/index.js';

const { nn, optim } = kiln;
const here = dirname(fileURLToPath(import.meta.url));

/** Figures quoted in issue #2 / #4 (2-core AMD EPYC Zen 1), not measured in this run. */
const QUOTED = {
  beans: { 'course NumPy script': 6.5, 'PyTorch 1.13': 240 },
  mlp: { 'TF.js 4.22 cpu': 506, 'TF.js 4.22 wasm': 2968, 'PyTorch 1.13 + OpenBLAS': 23800 },
  lenetTrain: { 'TF.js 4.22 cpu': 7, 'PyTorch 1.13 + OpenBLAS': 3570 },
  lenetInfer: { 'TF.js 4.22 cpu': 351, 'PyTorch 1.13 + OpenBLAS': 16100 },
};

async function best(reps, fn) {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

/** The course's beans demo: 100 beans × 5000 epochs = 500,000 per-sample SGD steps, 1-2-1 sigmoid. */
async function beansDemo() {
  kiln.manualSeed(0);
  const data = kiln.data.beans({ n: 100, seed: 0 });
  const seconds = await best(2, async () => {
    const model = new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid());
    await kiln.fit(model, data, { epochs: 5000, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.03 }), loss: 'mseLoss' });
  });
  return { seconds, stepsPerSecond: 500000 / seconds, microsecondsPerStep: (seconds / 500000) * 1e6 };
}

const digits = await kiln.data.mnist();

/** One epoch of an MLP 784-128-64-10 (ReLU) on the 7,996 training digits, batch 64, Adam. */
async function mlpEpoch() {
  kiln.manualSeed(0);
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const seconds = await best(2, () => kiln.fit(model, digits.train, { epochs: 1, batchSize: 64, optimizer: opt, loss: 'crossEntropy' }));
  return { seconds, samplesPerSecond: digits.train.length / seconds };
}

/** LeNet-5 (28×28, pad 2, ReLU, max pool): one training epoch (batch 64, Adam), then inference on the test digits. */
async function lenet() {
  kiln.manualSeed(0);
  const model = kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const train = await best(1, () => kiln.fit(model, digits.train, { epochs: 1, batchSize: 64, optimizer: opt, loss: 'crossEntropy' }));
  const infer = await best(2, () => kiln.predict(model, digits.test.x, { batchSize: 256 }));
  return { trainSamplesPerSecond: digits.train.length / train, inferSamplesPerSecond: digits.test.length / infer };
}

const ratios = (quoted, mine) => Object.entries(quoted).map(([k, v]) => `${k} ${v}/s → ${(mine / v).toFixed(2)}×`).join('; ');
const results = { date: new Date().toISOString(), node: process.version, backend: kiln.getBackend(), workloads: {} };
const rows = [];

const beans = await beansDemo();
results.workloads.beansDemo = beans;
rows.push(['beans demo, 500k per-sample SGD steps', `${beans.seconds.toFixed(2)} s (${beans.microsecondsPerStep.toFixed(1)} µs/step)`,
  Object.entries(QUOTED.beans).map(([k, v]) => `${k} ${v} s → Kiln ${(v / beans.seconds).toFixed(1)}× faster`).join('; ')]);

const mlp = await mlpEpoch();
results.workloads.mlpEpoch = mlp;
rows.push(['MLP 784-128-64-10, batch 64, Adam', `${Math.round(mlp.samplesPerSecond)} samples/s`, ratios(QUOTED.mlp, mlp.samplesPerSecond)]);

const le = await lenet();
results.workloads.lenet5 = le;
rows.push(['LeNet-5 training, batch 64, Adam', `${Math.round(le.trainSamplesPerSecond)} samples/s`, ratios(QUOTED.lenetTrain, le.trainSamplesPerSecond)]);
rows.push(['LeNet-5 inference', `${Math.round(le.inferSamplesPerSecond)} samples/s`, ratios(QUOTED.lenetInfer, le.inferSamplesPerSecond)]);

console.log(`Kiln ${results.backend} backend, Node ${process.version}\n`);
const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`${'workload'.padEnd(widths[0])} | ${'Kiln'.padEnd(widths[1])} | ratio to figures quoted in the issues (not measured in this run)`);
for (const r of rows) console.log(`${r[0].padEnd(widths[0])} | ${r[1].padEnd(widths[1])} | ${r[2]}`);
writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${join('bench', 'results.json')}`);
