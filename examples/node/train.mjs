// Train, save, load and predict in Node.js: the planar "flower" with one hidden layer of tanh units.
//   npm run build && node examples/node/train.mjs [out-dir]
import * as kiln from 'kiln-ml/node';

const { nn, optim } = kiln;
const out = process.argv[2] ?? 'out/example-flower';

kiln.manualSeed(0);
const [train, test] = kiln.trainTestSplit(kiln.data.flower({ seed: 0 }), { testFraction: 0.25, seed: 0 });
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
const { history } = await kiln.fit(model, train, {
  epochs: 1000, batchSize: 'full', optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
  loss: 'binaryCrossEntropyWithLogits', metrics: ['accuracy'], validationData: test,
  onEpochEnd: (epoch, logs) => { if ((epoch + 1) % 250 === 0) console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, test accuracy ${(logs.valAccuracy * 100).toFixed(1)}%`); },
});

await kiln.save(model, out, { metadata: { dataset: 'flower', epochs: history.loss.length } });
const again = await kiln.load(out);
const points = kiln.tensor([[0, 0], [1.5, 1.5], [-2, 0.5]]);
const probabilities = (await kiln.predict(again, points)).sigmoid();
console.log(`saved to ${out}, loaded back; P(red) at ${JSON.stringify(points.toArray())}: ${Array.from(await probabilities.data(), (p) => p.toFixed(3)).join(', ')}`);
console.log(`final test accuracy ${(history.valAccuracy.at(-1) * 100).toFixed(1)}%`);
