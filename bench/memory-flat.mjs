// npm run bench:memory: memory over a long hand-written training loop, as a user writes one (no
// fit, no awaits, so the garbage collector's FinalizationRegistry never runs): 10,000 MLP steps
// and 1,000 LeNet-5 steps, batch 64, Adam, fused as fit would. Prints the process's RSS and the
// wasm backend's own live bytes and high-water mark every tenth of the run: flat is the point.
import * as kiln from '../dist/index.js';

const { nn, optim } = kiln;
const { train } = await kiln.data.mnist();
const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;

function run(name, model, steps) {
  nn.fuse(model);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  let it = new kiln.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 })[Symbol.iterator]();
  const rows = [];
  for (let step = 1; step <= steps; step++) {
    let next = it.next();
    if (next.done) {
      it = new kiln.DataLoader(train, { batchSize: 64, shuffle: true, seed: step })[Symbol.iterator]();
      next = it.next();
    }
    const { x, y } = next.value;
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    if (step === 1 || step % (steps / 10) === 0) {
      const m = kiln.memory();
      rows.push([step, mb(process.memoryUsage().rss), mb(m.liveBytes), m.liveStorages, mb(m.highWaterBytes), loss.item().toFixed(3)]);
    }
  }
  console.log(`\n${name}, ${steps.toLocaleString('en-US')} steps (wasm: ${kiln.backendDetail()})\n`);
  console.log('| step | RSS | wasm live | live storages | wasm high-water | loss |\n| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

kiln.manualSeed(0);
run('MLP 784-128-64-10', new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10)), 10_000);
run('LeNet-5', kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' }), 1_000);
