// PyTorch on bench/run.mjs's workloads, on the same digits, on this machine, plus peak memory
// while training LeNet-5 (PyTorch and Kiln, each in a fresh process). Needs Debian's
// python3-torch and libopenblas0-pthread. `npm run bench` calls measureTorch() in the same run;
// `npm run bench:torch` runs it alone and writes bench/results-torch.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kiln from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const SLICE = Number(process.env.BENCH_SECONDS ?? 3);
/** A python3 that imports torch, or undefined. */
export const python = [process.env.PYTHON, '/usr/bin/python3', 'python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

/**
 * PyTorch's rates on the workloads (best of 1 and 2 threads) and both libraries' peak memory
 * training LeNet-5; null where PyTorch is not installed.
 */
export async function measureTorch(slice = SLICE) {
  if (!python) return null;
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-torch-'));
  try {
    // The training digits, as bench/pytorch_workloads.py reads them: count, pixels, labels.
    const { train } = await kiln.data.mnist();
    const n = train.length;
    const bytes = Buffer.alloc(4 + n * 784 * 4 + n * 4);
    bytes.writeInt32LE(n, 0);
    Buffer.from(train.x.dataSync().buffer, 0, n * 784 * 4).copy(bytes, 4);
    Int32Array.from(train.y.dataSync()).forEach((v, i) => bytes.writeInt32LE(v, 4 + n * 784 * 4 + i * 4));
    const file = join(dir, 'digits.bin');
    writeFileSync(file, bytes);

    const run = (cmd, args) => JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    const script = join(here, 'pytorch_workloads.py');
    const torch = run(python, [script, file, String(slice)]);
    const memory = {
      pytorch: run(python, [script, file, String(slice), '--memory']).peakBytes,
      kiln: run(process.execPath, [join(here, 'lenet-memory.mjs'), '200']).peakBytes,
    };
    return { date: new Date().toISOString(), torch: torch.torch, sliceSeconds: slice, ...torch, lenetTrainPeakBytes: memory };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await measureTorch();
  if (!results) {
    console.error('bench:torch needs PyTorch: apt-get install python3-torch libopenblas0-pthread (Debian), or set PYTHON to a python3 that has torch');
    process.exit(1);
  }
  writeFileSync(join(here, 'results-torch.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`PyTorch ${results.torch} (best of 1 and 2 threads), ${SLICE} s per rate`);
  for (const [k, v] of Object.entries(results.best)) console.log(`  ${k}: ${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2)}`);
  const mb = (b) => `${(b / 2 ** 20).toFixed(0)} MB`;
  console.log(`Peak memory training LeNet-5 (200 steps, batch 64): PyTorch ${mb(results.lenetTrainPeakBytes.pytorch)}, Kiln ${mb(results.lenetTrainPeakBytes.kiln)}`);
  console.log('wrote bench/results-torch.json');
}
