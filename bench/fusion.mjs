// node bench/fusion.mjs: what the fusion pass (nn.fuse) is worth, per model: LeNet-5 (its conv
// blocks as conv2dReluMaxPool, its dense layers as linearActivation), the MLP of npm run bench
// (Linear → ReLU as linearActivation) and the beans demo's network (Linear → Sigmoid), with and
// without it, alternating runs in one process. This is the measurement that decides which fusions
// Kiln keeps (src/nn/fuse.ts).
import * as kiln from '../dist/index.js';
import { rate } from './rate.mjs';

const { nn, optim } = kiln;
const SLICE = Number(process.env.BENCH_SECONDS ?? 2);
const digits = await kiln.data.mnist();
const batches = [...new kiln.DataLoader(digits.train, { batchSize: 64, shuffle: true, seed: 0 })];
const x256 = digits.test.x.narrow(0, 0, 256);
const beans = kiln.data.beans({ n: 100, seed: 0 });

const models = {
  'LeNet-5': () => kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' }),
  'MLP 784-128-64-10': () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10)),
};

/** Batch-64 Adam training and 256-example inference, samples per second. */
async function digitsRates(model) {
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  let i = 0;
  const train = 64 * (await rate(() => {
    const { x, y } = batches[i++ % batches.length];
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad(); loss.backward(); opt.step();
  }, SLICE));
  const infer = 256 * (await rate(() => kiln.noGrad(() => model.forward(x256)), SLICE));
  return { train, infer };
}

/** The beans demo's per-sample SGD through fit (20,000 steps a run), steps per second. */
async function beansRate(fused) {
  kiln.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid());
  const t0 = performance.now();
  await kiln.fit(model, beans, { epochs: 200, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.03 }), loss: 'mseLoss', fuse: fused });
  return 20000 / ((performance.now() - t0) / 1000);
}

const best = {};
const keep = (row, fused, v) => { best[row] ??= { true: 0, false: 0 }; best[row][fused] = Math.max(best[row][fused], v); };
for (const fused of [false, true, false, true]) {
  for (const [name, make] of Object.entries(models)) {
    kiln.manualSeed(0);
    const { train, infer } = await digitsRates(nn.fuse(make(), { enabled: fused }));
    keep(`${name} training, batch 64 (samples/s)`, fused, train);
    keep(`${name} inference, 256 (samples/s)`, fused, infer);
  }
  for (let r = 0; r < 3; r++) keep('beans demo, per-sample SGD through fit (steps/s)', fused, await beansRate(fused));
}
const f = (v) => Math.round(v).toLocaleString('en-US');
console.log(`The fusion pass on wasm (${kiln.backendDetail()})\n`);
console.log('| workload | unfused | fused | fused ÷ unfused |\n| --- | --- | --- | --- |');
for (const [row, v] of Object.entries(best)) console.log(`| ${row} | ${f(v.false)} | ${f(v.true)} | ${(v.true / v.false).toFixed(2)}× |`);
