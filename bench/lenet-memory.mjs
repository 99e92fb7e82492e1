// Peak resident memory of a process training LeNet-5 (batch 64, Adam) for `steps` steps, for the
// memory comparison in bench/torch.mjs. Prints JSON: { peakBytes }.
import * as kiln from '../dist/index.js';

const steps = Number(process.argv[2] ?? 200);
const { train } = await kiln.data.mnist();
const model = kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
const opt = new kiln.optim.Adam(model.parameters(), { lr: 1e-3 });
const batches = [...new kiln.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 })];
for (let i = 0; i < steps; i++) {
  const { x, y } = batches[i % batches.length];
  const loss = kiln.nn.functional.crossEntropy(model.forward(x), y);
  opt.zeroGrad(); loss.backward(); opt.step();
}
console.log(JSON.stringify({ peakBytes: process.resourceUsage().maxRSS * 1024 }));
