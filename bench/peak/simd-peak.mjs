// This machine's WebAssembly SIMD peak in GFLOPS: bench/peak/simd-peak.ts (independent relaxed-SIMD
// fused multiply-adds) on every core at once, each in a worker thread, for `seconds`. The matmul
// rows of `npm run bench` are reported as a fraction of it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

const here = dirname(fileURLToPath(import.meta.url));
const FLOPS_PER_ROUND = 12 * 4 * 2;

/** Compiles simd-peak.ts with AssemblyScript (relaxed SIMD on). */
function compile() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-peak-'));
  try {
    const out = join(dir, 'peak.wasm');
    execFileSync(process.execPath, [join(here, '..', '..', 'node_modules', 'assemblyscript', 'bin', 'asc.js'), join(here, 'simd-peak.ts'),
      '--enable', 'simd,relaxed-simd', '-O3', '--runtime', 'stub', '--outFile', out], { stdio: 'inherit' });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A worker per core, kept for the whole run: each slice it is asked for, it runs the FMA loop for
// that many seconds and reports its rounds. The matmul fractions of `npm run bench` alternate
// these slices with the products' own (pairedFraction), so both see the machine in the same state.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const run = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), { env: { abort() {} } }).exports.fmaRounds;
run(1000);
parentPort.on('message', (seconds) => {
  let rounds = 0, sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) { sink += run(1_000_000); rounds += 1_000_000; }
  parentPort.postMessage({ rounds, seconds: (performance.now() - t0) / 1000, sink });
});
`;

/**
 * Workers that measure the peak on `threads` cores at once, as often as asked: `measure(seconds)`
 * resolves with the GFLOPS of all of them together over that slice; `close()` ends them.
 */
export function createPeakProbe(threads = availableParallelism()) {
  const bytes = compile();
  // Node.js 20 compiles relaxed SIMD behind a flag (on by default from Node.js 22); V8's flags are the whole process's.
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { bytes } }));
  return {
    async measure(seconds) {
      const results = await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.postMessage(seconds);
      })));
      for (const w of workers) w.removeAllListeners('error');
      return results.reduce((sum, r) => sum + (r.rounds * FLOPS_PER_ROUND) / r.seconds / 1e9, 0);
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

/** GFLOPS of all `threads` cores together (default: every core), over one slice of `seconds`. */
export async function simdPeakGflops(seconds = 2, threads = availableParallelism()) {
  const probe = createPeakProbe(threads);
  try {
    return await probe.measure(seconds);
  } finally {
    await probe.close();
  }
}

/**
 * `gflops()` (a product's rate over a slice of `seconds`) as a fraction of the peak, in `rounds`
 * paired rounds: each round measures a peak slice and a product slice back to back, in a random
 * order, and its fraction is the one over the other. This machine's speed drifts from second to
 * second (a core of the VM stalls for a while, or a neighbour loads the shared memory system), so a
 * peak measured once, a minute away from the products, could be either side of their moment's.
 * Returns the median round's fraction and every round's.
 */
export async function pairedFraction(probe, gflops, { rounds = 9, seconds = 0.5 } = {}) {
  const fractions = [];
  for (let r = 0; r < rounds; r++) {
    let peak, product;
    if (Math.random() < 0.5) { peak = await probe.measure(seconds); product = await gflops(seconds); } else { product = await gflops(seconds); peak = await probe.measure(seconds); }
    fractions.push(product / peak);
  }
  const sorted = [...fractions].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1], rounds: fractions };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const threads = availableParallelism();
  console.log(`WebAssembly SIMD peak (relaxed FMA), ${threads} threads: ${(await simdPeakGflops(Number(process.env.BENCH_SECONDS ?? 2), threads)).toFixed(1)} GFLOPS`);
}
