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

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { instance } = { instance: new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), { env: { abort() {} } }) };
const run = instance.exports.fmaRounds;
run(1000);
let rounds = 0, sink = 0;
const t0 = performance.now();
while (performance.now() - t0 < workerData.seconds * 1000) { sink += run(1_000_000); rounds += 1_000_000; }
parentPort.postMessage({ rounds, seconds: (performance.now() - t0) / 1000, sink });
`;

/** GFLOPS of all `threads` cores together (default: every core). */
export async function simdPeakGflops(seconds = 2, threads = availableParallelism()) {
  const bytes = compile();
  // Node.js 20 compiles relaxed SIMD behind a flag (on by default from Node.js 22); V8's flags are the whole process's.
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  const results = await Promise.all(Array.from({ length: threads }, () => new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { bytes, seconds } });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  return results.reduce((sum, r) => sum + (r.rounds * FLOPS_PER_ROUND) / r.seconds / 1e9, 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const threads = availableParallelism();
  console.log(`WebAssembly SIMD peak (relaxed FMA), ${threads} threads: ${(await simdPeakGflops(Number(process.env.BENCH_SECONDS ?? 2), threads)).toFixed(1)} GFLOPS`);
}
