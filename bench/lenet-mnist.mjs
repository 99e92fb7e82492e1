// npm run bench:lenet: the full LeNet-5 run on the MNIST digits (the CI test is the same recipe,
// seeded; this prints every epoch). About a minute per 1.5 epochs on the js backend.
import * as kiln from '../dist/index.js';

const epochs = Number(process.argv[2] ?? 10);
const { train, test } = await kiln.data.mnist();
kiln.manualSeed(0);
const model = kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
const opt = new kiln.optim.SGD(model.parameters(), { lr: 0.03, momentum: 0.9 });
console.log(`LeNet-5 on ${train.length} digits, tested on ${test.length}; SGD momentum 0.9, lr 0.03 × 0.75 per epoch, batch 16`);
const t0 = performance.now();
await kiln.fit(model, train, {
  epochs, batchSize: 16, optimizer: opt, loss: 'crossEntropy', metrics: ['accuracy'], validationData: test,
  scheduler: new kiln.optim.ExponentialLR(opt, { gamma: 0.75 }),
  callbacks: [{ onEpochEnd: (e, logs) => console.log(`epoch ${e + 1}: train accuracy ${(logs.accuracy * 100).toFixed(2)}%, test accuracy ${(logs.valAccuracy * 100).toFixed(2)}%, ${((performance.now() - t0) / 1000).toFixed(0)} s`) }],
});
