// node bench/fusion.mjs: what the fusion pass (nn.fuse) is worth, per model: LeNet-5 (its conv
// blocks as conv2dReluMaxPool, its dense layers as linearActivation), the MLP of npm run bench
// (Linear → ReLU as linearActivation) and the beans demo's network (Linear → Sigmoid). A fused and
// an unfused copy of each model run in paired rounds, back to back in a random order, and the
// table gives the median of the rounds' ratios: this machine's speed drifts by ±30% from minute to
// minute, which a ratio of two separate runs would measure instead. This is the measurement that
// decides which fusions Kiln keeps (src/nn/fuse.ts).
import * as kiln from '../dist/index.js';

const { nn, optim } = kiln;
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const digits = await kiln.data.mnist();
const batches = [...new kiln.DataLoader(digits.train, { batchSize: 64, shuffle: true, seed: 0 })];
const x256 = digits.test.x.narrow(0, 0, 256);
const beans = kiln.data.beans({ n: 100, seed: 0 });

const lenet = () => kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
const mlp = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));

/** A batch-64 Adam training step of `model` (samples per call: 64). */
function trainStep(model) {
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  let i = 0;
  return () => {
    const { x, y } = batches[i++ % batches.length];
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad(); loss.backward(); opt.step();
  };
}

/** 2,000 per-sample SGD steps of the beans demo through fit (20 epochs), as the demo runs them. */
function beansRun(fuse) {
  return async () => {
    kiln.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid());
    await kiln.fit(model, beans, { epochs: 20, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.03 }), loss: 'mseLoss', metrics: ['accuracy'], onEpochEnd: () => {}, fuse });
  };
}

/** [label, unit per call, calls per timing, make(fused) → the call]. */
const workloads = [
  ['LeNet-5 training, batch 64 (samples/s)', 64, 10, (fused) => trainStep(nn.fuse(lenet(), { enabled: fused }))],
  ['LeNet-5 inference, 256 (samples/s)', 256, 10, (fused) => { const m = nn.fuse(lenet(), { enabled: fused }); return () => kiln.noGrad(() => m.forward(x256)); }],
  ['MLP 784-128-64-10 training, batch 64 (samples/s)', 64, 20, (fused) => trainStep(nn.fuse(mlp(), { enabled: fused }))],
  ['MLP 784-128-64-10 inference, 256 (samples/s)', 256, 20, (fused) => { const m = nn.fuse(mlp(), { enabled: fused }); return () => kiln.noGrad(() => m.forward(x256)); }],
  ['beans demo, per-sample SGD through fit (steps/s)', 2000, 1, beansRun],
];

async function time(call, reps) {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await call();
  return (performance.now() - t0) / reps;
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

console.log(`The fusion pass on wasm (${kiln.backendDetail()}), median of ${ROUNDS} paired rounds\n`);
console.log('| workload | unfused | fused | fused ÷ unfused |\n| --- | --- | --- | --- |');
for (const [label, unit, reps, make] of workloads) {
  kiln.manualSeed(0);
  const plain = make(false);
  kiln.manualSeed(0);
  const fused = make(true);
  for (let i = 0; i < 3; i++) { await plain(); await fused(); }
  const ratios = [], tp = [], tf = [];
  for (let r = 0; r < ROUNDS; r++) {
    let p, f;
    if (Math.random() < 0.5) { p = await time(plain, reps); f = await time(fused, reps); } else { f = await time(fused, reps); p = await time(plain, reps); }
    ratios.push(p / f); tp.push(p); tf.push(f);
  }
  const rate = (ms) => Math.round((unit * 1000) / ms).toLocaleString('en-US');
  console.log(`| ${label} | ${rate(median(tp))} | ${rate(median(tf))} | ${median(ratios).toFixed(2)}× |`);
}
