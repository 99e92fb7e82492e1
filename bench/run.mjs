// npm run bench: Kiln on each backend, TensorFlow.js (cpu, wasm) and PyTorch on the same
// workloads, in one run, with ratios, and matmul as a fraction of this machine's WebAssembly SIMD
// peak; writes bench/results.json. Not part of `npm test`. PyTorch runs in this same invocation
// where Debian's python3-torch is installed (bench/torch.mjs); elsewhere its figures are quoted
// from issue #4 (measured on a 2-core AVX2 machine) and the table says so.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kiln from '../dist/index.js';
// The tracking scope fit runs each step in, for the matmul kernel's fraction of the peak (see matmulOfPeak).
import { beginTracking, endTracking, releaseStorages } from '../dist/tensor/storage.js';
import { createPeakProbe, pairedFraction } from './peak/simd-peak.mjs';
import * as peer from './peers/tfjs.mjs';
import { rate as rateOver } from './rate.mjs';
import { measureTorch } from './torch.mjs';

const { nn, optim } = kiln;
const here = dirname(fileURLToPath(import.meta.url));
const SLICE = Number(process.env.BENCH_SECONDS ?? 3); // seconds per rate measurement (best of SLICES slices)
const rate = (step) => rateOver(step, SLICE);
const QUOTED = { matmul1024: 66, mlp: 23800, lenetTrain: 3570, lenetInfer: 16100, beans: 500000 / 240 };
// BENCH_ONLY=mlp,beans runs just those rows (keys as in bench/results.json).
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
// PyTorch first, in this invocation (its processes exit before Kiln's workloads start).
const measured = process.env.BENCH_TORCH === '0' ? null : await measureTorch(SLICE);
const PYTORCH = measured?.best ?? QUOTED;
const torchLabel = measured ? `PyTorch ${measured.torch} (measured in this run)` : 'PyTorch, quoted from issue #4 (not installed here)';
// The peak's workers stay up for the run: the matmul rows are measured against it in paired rounds.
const peakProbe = createPeakProbe();
const simdPeak = await peakProbe.measure(SLICE);

const digits = await kiln.data.mnist();
const beans = kiln.data.beans({ n: 100, seed: 0 });

const kilnWorkloads = {
  matmul: async (size) => {
    const a = kiln.randn([size, size]), b = kiln.randn([size, size]);
    return ((await rate(() => a.matmul(b))) * 2 * size ** 3) / 1e9;
  },
  /**
   * The matmul kernel's fraction of the SIMD peak, in paired rounds against the peak (wasm). Its
   * operands and output are in the kernels' memory, as every product inside a training step: a
   * loose `a.matmul(b)` on data made outside one (the GFLOPS rows, like the peers') also copies
   * both operands into that memory and its output out of it, 12 MB per 1024³ product.
   */
  matmulOfPeak: (size) => {
    // Made inside a step's tracking scope (fit's): in the backend's memory, released as fit releases a step's.
    const inStep = (fn) => {
      const mark = beginTracking();
      try {
        return fn();
      } finally {
        releaseStorages(endTracking(mark));
      }
    };
    const mark = beginTracking();
    const a = kiln.randn([size, size]), b = kiln.randn([size, size]);
    const operands = endTracking(mark);
    inStep(() => a.matmul(b));
    return pairedFraction(peakProbe, (seconds) => {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) { inStep(() => a.matmul(b)); n++; }
      return (n * 2 * size ** 3) / ((performance.now() - t0) / 1000) / 1e9;
    }).finally(() => releaseStorages(operands));
  },
  /** Samples per second training `model` on batches of 64 digits with Adam. */
  train: async (model) => {
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    nn.fuse(model); // what fit does; predict and evaluate too
    const batches = [...new kiln.DataLoader(digits.train, { batchSize: 64, shuffle: true, seed: 0 })];
    let i = 0;
    return 64 * (await rate(() => {
      const { x, y } = batches[i++ % batches.length];
      const loss = nn.functional.crossEntropy(model.forward(x), y);
      opt.zeroGrad(); loss.backward(); opt.step();
    }));
  },
  infer: async (model) => {
    const x = digits.test.x.narrow(0, 0, 256);
    return 256 * (await rate(() => kiln.predict(model, x)));
  },
  /** The whole demo: 500,000 per-sample SGD steps through fit, in a process of its own (bench/beans-demo.mjs). */
  beans: async () => Number(execFileSync(process.execPath, [join(here, 'beans-demo.mjs'), kiln.getBackend()], { encoding: 'utf8' }).trim()),
};
const mlp = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));
const lenet = () => kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });

const rows = [
  { key: 'matmul128', label: 'matmul 128³ (GFLOPS)', kiln: () => kilnWorkloads.matmul(128), tfjs: () => peer.matmulGflops(128, SLICE), torch: PYTORCH.matmul128 },
  { key: 'matmul256', label: 'matmul 256³ (GFLOPS)', kiln: () => kilnWorkloads.matmul(256), tfjs: () => peer.matmulGflops(256, SLICE), torch: PYTORCH.matmul256 },
  { key: 'matmul512', label: 'matmul 512³ (GFLOPS)', kiln: () => kilnWorkloads.matmul(512), tfjs: () => peer.matmulGflops(512, SLICE), torch: PYTORCH.matmul512 },
  { key: 'matmul1024', label: 'matmul 1024³ (GFLOPS)', kiln: () => kilnWorkloads.matmul(1024), tfjs: () => peer.matmulGflops(1024, SLICE), torch: PYTORCH.matmul1024 },
  { key: 'mlp', label: 'MLP 784-128-64-10 training, batch 64, Adam (samples/s)', kiln: () => kilnWorkloads.train(mlp()), tfjs: () => peer.mlpTrain(tfImages, tfLabels, SLICE), torch: PYTORCH.mlp },
  { key: 'lenetTrain', label: 'LeNet-5 training, batch 64, Adam (samples/s)', kiln: () => kilnWorkloads.train(lenet()), tfjs: () => peer.lenetTrain(tfImages, tfLabels, SLICE), torch: PYTORCH.lenetTrain },
  { key: 'lenetInfer', label: 'LeNet-5 inference (samples/s)', kiln: () => kilnWorkloads.infer(lenet()), tfjs: () => peer.lenetInfer(tfImages, SLICE), torch: PYTORCH.lenetInfer },
  { key: 'beans', label: 'beans demo, per-sample SGD (steps/s)', kiln: () => kilnWorkloads.beans(), tfjs: () => peer.beansSteps(Array.from(beans.x.dataSync()), Array.from(beans.y.dataSync()), SLICE), torch: PYTORCH.beans },
];

// TF.js gets the same digits, in its NHWC layout (its tensors move between its backends as needed).
await peer.useBackend('cpu');
const tfImages = peer.tf.tensor4d(digits.train.x.dataSync(), [digits.train.length, 28, 28, 1]);
const tfLabels = peer.tf.tensor1d(digits.train.y.dataSync(), 'int32');

const results = {
  date: new Date().toISOString(), node: process.version, sliceSeconds: SLICE, wasm: kiln.backendDetail?.('wasm'), simdPeakGflops: simdPeak,
  pytorch: { source: torchLabel, ...PYTORCH, lenetTrainPeakBytes: measured?.lenetTrainPeakBytes }, workloads: {},
};
for (const row of rows) {
  if (only && !only.has(row.key)) continue;
  const r = {};
  for (const b of kiln.listBackends()) {
    kiln.setBackend(b);
    r[`kiln-${b}`] = await row.kiln();
  }
  for (const b of ['cpu', 'wasm']) {
    await peer.useBackend(b);
    r[`tfjs-${b}`] = await row.tfjs();
  }
  if (row.key.startsWith('matmul') && kiln.listBackends().includes('wasm')) {
    kiln.setBackend('wasm');
    r.wasmOfPeak = await kilnWorkloads.matmulOfPeak(Number(row.key.slice('matmul'.length)));
  }
  results.workloads[row.key] = r;
  process.stderr.write(`${row.label}: ${JSON.stringify(r)}\n`);
}

const fmt = (v) => (typeof v === 'number' ? (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2)) : 'cannot');
const best = (r) => Math.max(...['tfjs-cpu', 'tfjs-wasm'].map((k) => (typeof r[k] === 'number' ? r[k] : 0)));
const head = ['workload', 'Kiln wasm', 'Kiln js', 'TF.js cpu', 'TF.js wasm', 'PyTorch', 'Kiln ÷ best TF.js', 'Kiln ÷ PyTorch'];
const table = rows.filter((row) => results.workloads[row.key]).map((row) => {
  const r = results.workloads[row.key];
  const kilnBest = Math.max(r['kiln-wasm'] ?? 0, r['kiln-js']);
  return [row.label, fmt(r['kiln-wasm']), fmt(r['kiln-js']), fmt(r['tfjs-cpu']), fmt(r['tfjs-wasm']), row.torch ? fmt(row.torch) : '', `${(kilnBest / best(r)).toFixed(2)}×`, row.torch ? `${(kilnBest / row.torch).toFixed(2)}×` : ''];
});
console.log(`Kiln (wasm: ${results.wasm}) vs TensorFlow.js ${peer.tf.version.tfjs} and ${torchLabel}; Node ${process.version}, ${SLICE} s per rate\n`);
console.log(`| ${head.join(' | ')} |\n|${head.map(() => ' --- ').join('|')}|`);
for (const t of table) console.log(`| ${t.join(' | ')} |`);
console.log(`\nWebAssembly SIMD peak on this machine (independent relaxed FMAs, every core): ${simdPeak.toFixed(1)} GFLOPS at the start of the run`);
const pct = (f) => `${(100 * f).toFixed(0)}%`;
for (const row of rows.filter((r) => r.key.startsWith('matmul') && results.workloads[r.key])) {
  const r = results.workloads[row.key];
  const paired = r.wasmOfPeak ? `; the kernel on operands in its memory (as in a training step), in ${r.wasmOfPeak.rounds.length} paired rounds (0.5 s of peak, 0.5 s of products), ${pct(r.wasmOfPeak.median)} (median; rounds ${pct(Math.min(...r.wasmOfPeak.rounds))}–${pct(Math.max(...r.wasmOfPeak.rounds))})` : '';
  console.log(`  ${row.label.replace(' (GFLOPS)', '')}: ${pct(r['kiln-wasm'] / simdPeak)} of that peak${paired}`);
}
await peakProbe.close();
const peak = measured?.lenetTrainPeakBytes;
if (peak) console.log(`Peak memory training LeNet-5 (200 steps, batch 64, fresh processes): Kiln ${(peak.kiln / 2 ** 20).toFixed(0)} MB, PyTorch ${(peak.pytorch / 2 ** 20).toFixed(0)} MB`);
// A partial run (BENCH_ONLY) leaves the last full run's results.json as it is.
if (!only) {
  writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('\nwrote bench/results.json');
}
