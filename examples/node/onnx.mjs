// Past one machine: a LeNet-5 trained in Kiln goes to ONNX Runtime (for serving: Node.js here; the
// same file runs in onnxruntime-web in a page, in Python, C++, C#, Java, or Triton) and its weights
// to PyTorch (for training at scale); then the ONNX file comes back into Kiln as a trainable model.
//   npm install onnxruntime-node; npm run build && node examples/node/onnx.mjs [out-dir]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as kiln from 'kiln-ml/node';

const out = process.argv[2] ?? 'out/example-onnx';
mkdirSync(out, { recursive: true });

// Train LeNet-5 on the bundled digits for one epoch.
kiln.manualSeed(0);
const { train, test } = await kiln.data.mnist();
const model = kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
await kiln.fit(model, train, { epochs: 1, batchSize: 32, optimizer: new kiln.optim.Adam(model.parameters(), { lr: 2e-3 }), loss: 'crossEntropy' });
const ours = await kiln.predict(model, test.x);
const ourAnswers = Array.from(await ours.argmax(1).data());

// To ONNX, and served by ONNX Runtime: the same answer for every test digit.
const onnx = await kiln.exportOnnx(model, { inputShape: [1, 28, 28] });
writeFileSync(join(out, 'lenet5.onnx'), onnx);
const session = await ort.InferenceSession.create(onnx);
const x = new ort.Tensor('float32', Float32Array.from(await test.x.data()), test.x.shape);
const logits = (await session.run({ input: x })).output;
const classes = logits.dims[1];
const theirAnswers = Array.from({ length: logits.dims[0] }, (_, i) => {
  const row = logits.data.subarray(i * classes, (i + 1) * classes);
  return row.indexOf(Math.max(...row));
});
const agree = theirAnswers.filter((a, i) => a === ourAnswers[i]).length;
const labels = await test.y.data();
const accuracy = theirAnswers.filter((a, i) => a === labels[i]).length / labels.length;
console.log(`ONNX Runtime on ${labels.length} test digits: ${(100 * accuracy).toFixed(1)}% right, the same answer as Kiln on ${agree} of ${labels.length}`);

// To PyTorch: the weights under PyTorch's names, for model.load_state_dict (see the README).
writeFileSync(join(out, 'lenet5.safetensors'), await kiln.torchWeights(model));

// And back: the ONNX file as a Kiln model, whose weights are Parameters that train on.
const { model: again } = await kiln.importOnnx(onnx);
await kiln.fit(again, train, { epochs: 1, batchSize: 32, optimizer: new kiln.optim.Adam(again.parameters(), { lr: 1e-3 }), loss: 'crossEntropy' });
const { accuracy: after } = await kiln.evaluate(again, test, { loss: 'crossEntropy', metrics: ['accuracy'] });
console.log(`wrote ${join(out, 'lenet5.onnx')} and ${join(out, 'lenet5.safetensors')}; imported back and trained one more epoch: ${(100 * after).toFixed(1)}% right`);
