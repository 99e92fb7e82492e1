// node bench/fusion.mjs: what the fusion pass (nn.fuse) is worth on LeNet-5, batch 64, Adam:
// training and inference samples per second with and without it, alternating runs, same process.
// This is the measurement that decides which fusions Kiln keeps (src/nn/fuse.ts).
import * as kiln from '../dist/index.js';
import { rate } from './rate.mjs';

const { nn, optim } = kiln;
const SLICE = Number(process.env.BENCH_SECONDS ?? 2);
const digits = await kiln.data.mnist();
const batches = [...new kiln.DataLoader(digits.train, { batchSize: 64, shuffle: true, seed: 0 })];
const x = digits.test.x.narrow(0, 0, 256);
const best = { true: { train: 0, infer: 0 }, false: { train: 0, infer: 0 } };
for (const fused of [false, true, false, true]) {
  kiln.manualSeed(0);
  const model = nn.fuse(kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' }), { enabled: fused });
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  let i = 0;
  const train = 64 * (await rate(() => {
    const { x, y } = batches[i++ % batches.length];
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad(); loss.backward(); opt.step();
  }, SLICE));
  const infer = 256 * (await rate(() => kiln.noGrad(() => model.forward(x)), SLICE));
  best[fused].train = Math.max(best[fused].train, train);
  best[fused].infer = Math.max(best[fused].infer, infer);
}
const f = (v) => Math.round(v).toLocaleString('en-US');
console.log(`LeNet-5, batch 64 (wasm: ${kiln.backendDetail()})\n`);
console.log('| | unfused | fused (Conv2d → ReLU → MaxPool2d as one op) | fused ÷ unfused |\n| --- | --- | --- | --- |');
for (const k of ['train', 'infer']) console.log(`| ${k === 'train' ? 'training (samples/s)' : 'inference (samples/s)'} | ${f(best.false[k])} | ${f(best.true[k])} | ${(best.true[k] / best.false[k]).toFixed(2)}× |`);
