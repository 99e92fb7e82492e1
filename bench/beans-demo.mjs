// The beans demo's 500,000 per-sample SGD steps through fit, timed whole, best of SLICES runs, on
// the backend named by argv[2]; prints steps per second. bench/run.mjs runs it in a process of
// its own, as the demo runs: inside the benchmark's process, the heap that the earlier workloads
// grew (hundreds of MB of LeNet and TensorFlow.js tensors) makes every young-generation garbage
// collection of the demo's tiny tensors cost more, which is not the demo's speed.
import * as kiln from '../dist/index.js';
import { SLICES } from './rate.mjs';

const { nn, optim } = kiln;
kiln.setBackend(process.argv[2] ?? 'wasm');
const beans = kiln.data.beans({ n: 100, seed: 0 });
let best = 0;
for (let r = 0; r < SLICES; r++) {
  kiln.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(1, 2), new nn.Sigmoid(), new nn.Linear(2, 1), new nn.Sigmoid());
  const t0 = performance.now();
  // As `kiln demo` runs it: with its accuracy metric and an epoch callback (its progress bar's
  // place; the bar itself would print into this script's output).
  await kiln.fit(model, beans, {
    epochs: 5000, batchSize: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.03 }), loss: 'mseLoss',
    metrics: ['accuracy'], onEpochEnd: () => {},
  });
  best = Math.max(best, 500000 / ((performance.now() - t0) / 1000));
}
console.log(best);
