// The GPU benchmark (npm run bench:webgpu): Kiln's webgpu backend beside TensorFlow.js's WebGPU
// backend on the same GPU, in one run, in Node.js through the `webgpu` package (Dawn). Workloads:
// MLP and LeNet-5 training (batch 64, Adam), LeNet-5 inference (batch 256), a VGG-16 forward
// pass at batch 8, and matmul up to 4096³. Neither side reads back inside a training step: each
// timing enqueues steps and ends with one read, so it measures the GPU's work, not its latency.
// Set GPU_PEAK_TFLOPS (the GPU's float32 peak) to see matmul as a fraction of it. On SwiftShader
// (no GPU: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json) the numbers mean nothing.
import { create, globals } from 'webgpu';
import * as kiln from '../dist/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const { nn, optim } = kiln;

/** Calls/second of `step` (which only enqueues work), timed with a final `sync` that waits for the GPU. */
async function gpuRate(step, sync) {
  step(); await sync();
  let n = 1, elapsed = 0;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) step();
    await sync();
    elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= SECONDS / 4 || n >= 1 << 16) return n / elapsed;
    n *= 2;
  }
}

// ── Kiln ───────────────────────────────────────────────────────────────────────────────────────
await kiln.setBackend('webgpu');
const detail = kiln.backendDetail('webgpu');
const digits = await kiln.data.mnist();
const trainX = digits.train.x.narrow(0, 0, 2048); // made after setBackend: already on the GPU
const trainY = digits.train.y.narrow(0, 0, 2048);

const kilnWork = {
  train: async (model) => {
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    nn.fuse(model);
    let i = 0;
    const step = () => {
      const s = (i++ * 64) % (2048 - 64);
      const loss = nn.functional.crossEntropy(model.forward(trainX.narrow(0, s, 64)), trainY.narrow(0, s, 64));
      opt.zeroGrad(); loss.backward(); opt.step();
    };
    return 64 * await gpuRate(step, () => model.parameters()[0].data());
  },
  infer: async (model, batch = 256, input = trainX.narrow(0, 0, batch)) => {
    nn.fuse(model);
    let out = null;
    return batch * await gpuRate(() => { out = kiln.noGrad(() => model.forward(input)); }, () => out.data());
  },
  matmul: async (size) => {
    const a = kiln.randn([size, size]), b = kiln.randn([size, size]);
    let c = null;
    return (await gpuRate(() => { c = a.matmul(b); }, () => c.data())) * 2 * size ** 3 / 1e9;
  },
};
const mlp = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));
const lenet = () => kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });

// ── TensorFlow.js on the same GPU ──────────────────────────────────────────────────────────────
Object.assign(globalThis, globals);
globalThis.navigator ??= {};
Object.defineProperty(globalThis.navigator, 'gpu', { value: create([]), configurable: true });
// The same TF.js models as the CPU benchmark's (bench/peers/tfjs.mjs), on its WebGPU backend.
const { tf, mlp: tfMlp, lenet: tfLenet } = await import('./peers/tfjs.mjs');
await import('@tensorflow/tfjs-backend-webgpu');
const tfStarted = await tf.setBackend('webgpu').catch(() => false);
await tf.ready();
const tfx = tf.tensor(await digits.train.x.narrow(0, 0, 2048).data(), [2048, 1, 28, 28]).transpose([0, 2, 3, 1]);
const tfy = tf.tensor(await digits.train.y.narrow(0, 0, 2048).data(), [2048], 'int32');

function tfVgg16(batchInput) {
  const m = tf.sequential();
  let first = true;
  for (const [n, f] of [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]]) {
    for (let i = 0; i < n; i++) {
      m.add(tf.layers.conv2d({ ...(first ? { inputShape: batchInput } : {}), filters: f, kernelSize: 3, padding: 'same', activation: 'relu' }));
      first = false;
    }
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  }
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 4096, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 4096, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 1000 }));
  return m;
}

const tfWork = {
  train: async (make) => {
    const model = make();
    const optimizer = tf.train.adam(1e-3);
    let i = 0;
    const step = () => {
      const s = (i++ * 64) % (2048 - 64);
      optimizer.minimize(() => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tfy.slice([s], [64]), 10), model.apply(tfx.slice([s, 0, 0, 0], [64, 28, 28, 1])))), false);
    };
    try {
      return 64 * await gpuRate(step, () => model.getWeights()[0].data());
    } finally { model.dispose(); }
  },
  infer: async (model, input) => {
    let out = null;
    const r = await gpuRate(() => { out?.dispose(); out = model.predict(input); }, () => out.data());
    model.dispose();
    return r * input.shape[0];
  },
  matmul: async (size) => {
    const a = tf.randomNormal([size, size]), b = tf.randomNormal([size, size]);
    let c = null;
    const r = await gpuRate(() => { c?.dispose(); c = tf.matMul(a, b); }, () => c.data());
    a.dispose(); b.dispose();
    return r * 2 * size ** 3 / 1e9;
  },
};

const rows = [
  ['mlpTrain', 'MLP training (samples/s)', () => kilnWork.train(mlp()), () => tfWork.train(tfMlp)],
  ['lenetTrain', 'LeNet-5 training (samples/s)', () => kilnWork.train(lenet()), () => tfWork.train(tfLenet)],
  ['lenetInfer', 'LeNet-5 inference (samples/s)', () => kilnWork.infer(lenet()), () => tfWork.infer(tfLenet(), tfx.slice([0, 0, 0, 0], [256, 28, 28, 1]))],
  ['vgg16', 'VGG-16 forward, batch 8 (images/s)', () => kilnWork.infer(kiln.models.vgg16(), 8, kiln.randn([8, 3, 224, 224])), () => tfWork.infer(tfVgg16([224, 224, 3]), tf.randomNormal([8, 224, 224, 3]))],
  ['matmul1024', 'matmul 1024³ (GFLOPS)', () => kilnWork.matmul(1024), () => tfWork.matmul(1024)],
  ['matmul4096', 'matmul 4096³ (GFLOPS)', () => kilnWork.matmul(4096), () => tfWork.matmul(4096)],
];

console.log(`Kiln webgpu on ${detail}; TF.js ${tf.version.tfjs} webgpu${tfStarted ? '' : ' (did not start)'}; ${SECONDS} s a workload\n`);
console.log('| workload | Kiln webgpu | TF.js webgpu | Kiln ÷ TF.js |');
console.log('| --- | --- | --- | --- |');
const peak = Number(process.env.GPU_PEAK_TFLOPS ?? 0);
for (const [key, label, k, t] of rows) {
  if (ONLY && !ONLY.has(key)) continue;
  const kv = await k().catch((e) => `cannot: ${String(e.message ?? e).split('\n')[0].slice(0, 60)}`);
  const tv = tfStarted ? await t().catch((e) => `cannot: ${String(e.message ?? e).split('\n')[0].slice(0, 60)}`) : 'not started';
  const fmt = (v) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : v);
  const ratio = typeof kv === 'number' && typeof tv === 'number' ? `${(kv / tv).toFixed(2)}×` : '—';
  const ofPeak = peak && key.startsWith('matmul') && typeof kv === 'number' ? ` (${(100 * kv / (peak * 1000)).toFixed(0)}% of peak)` : '';
  console.log(`| ${label} | ${fmt(kv)}${ofPeak} | ${fmt(tv)} | ${ratio} |`);
}
process.exit(0);
