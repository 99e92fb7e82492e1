import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Generator } from '../../tensor/random.js';
import type { Window2d } from '../backend.js';
import { getNumThreads, setNumThreads } from '../threads.js';
import { createWasmBackend } from './index.js';

// The wasm backend on worker threads: results bit-identical to one thread, workers really used for
// big kernels and never for small ones, asleep when idle, and never keeping a process alive.

const wasm = createWasmBackend();
const pooled = wasm?.threadStats() != null;
const gen = new Generator(11);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => gen.normal());
const distIndex = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));
const initialThreads = getNumThreads();
afterEach(() => setNumThreads(initialThreads));

/** Runs `f` (which fills its output) at each thread count; every result must equal the 1-thread one bit for bit. */
function expectSameOnAnyThreadCount(what: string, f: () => Float32Array): void {
  setNumThreads(1);
  const single = f();
  for (const t of [2, 3, 4]) {
    setNumThreads(t);
    const multi = f();
    for (let i = 0; i < single.length; i++) {
      if (!Object.is(multi[i], single[i])) expect.fail(`${what} on ${t} threads: [${i}] = ${multi[i]}, on 1 thread ${single[i]}`);
    }
  }
}

describe.runIf(pooled)('wasm kernels on worker threads', () => {
  const w = wasm!;
  const byWorkers = (): number => w.threadStats()!.chunksByWorkers;

  it('matmul: every transpose, tall and wide, the shared operand packed per chunk or once for all, equals the single-threaded result exactly', () => {
    const before = byWorkers();
    // The last two pack the operand every chunk needs once, for all chunks (B, then A: ≥ 65,536 elements).
    for (const [m, k, n] of [[300, 257, 70], [33, 300, 515], [1024, 64, 96], [300, 257, 270], [130, 520, 200]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = rand(m * k), b = rand(k * n);
          expectSameOnAnyThreadCount(`matmul [${m},${k}]·[${k},${n}] tA=${transA} tB=${transB}`, () => {
            const out = new Float32Array(m * n);
            w.matmul(a, 0, b, 0, out, 1, m, k, n, transA, transB);
            return out;
          });
        }
      }
    }
    expect(byWorkers()).toBeGreaterThan(before);
  });

  // Implicit GEMM (strided, dilated, 16 filters) and the direct kernels (stride 1, 6 filters: LeNet-5's first layer)
  const convCases: [string, Window2d, number][] = [
    ['implicit GEMM', { N: 37, C: 3, H: 45, W: 41, KH: 5, KW: 3, OH: 0, OW: 0, strideH: 2, strideW: 1, padH: 2, padW: 1, dilH: 1, dilW: 2 }, 16],
    ['direct', { N: 37, C: 1, H: 28, W: 28, KH: 5, KW: 5, OH: 0, OW: 0, strideH: 1, strideW: 1, padH: 2, padW: 2, dilH: 1, dilW: 1 }, 6],
  ];
  it.each(convCases)('conv2d forward, input gradient and filter gradient, and the fused conv-ReLU-pool both ways, equal the single-threaded results exactly (%s)', (_, g, F) => {
    const before = byWorkers();
    g.OH = Math.floor((g.H + 2 * g.padH - g.dilH * (g.KH - 1) - 1) / g.strideH) + 1;
    g.OW = Math.floor((g.W + 2 * g.padW - g.dilW * (g.KW - 1) - 1) / g.strideW) + 1;
    const x = rand(g.N * g.C * g.H * g.W), wt = rand(F * g.C * g.KH * g.KW), dy = rand(g.N * F * g.OH * g.OW), bias = rand(F);
    expectSameOnAnyThreadCount('conv2d', () => {
      const out = new Float32Array(g.N * F * g.OH * g.OW);
      w.conv2d(x, wt, bias, out, F, g);
      return out;
    });
    expectSameOnAnyThreadCount('conv2dBackwardInput', () => {
      const dx = new Float32Array(x.length);
      w.conv2dBackwardInput(dy, wt, dx, F, g);
      return dx;
    });
    expectSameOnAnyThreadCount('conv2dBackwardFilter', () => {
      const dw = new Float32Array(wt.length);
      w.conv2dBackwardFilter(x, dy, dw, F, g);
      return dw;
    });
    // The fused conv + ReLU + 2×2 max pooling, both ways (its backward routes the pooled gradient
    // to each window's max, split by examples, before the two gradients).
    const POH = Math.floor(g.OH / 2), POW = Math.floor(g.OW / 2);
    const pg: Window2d = { N: g.N, C: F, H: g.OH, W: g.OW, KH: 2, KW: 2, OH: POH, OW: POW, strideH: 2, strideW: 2, padH: 0, padW: 0, dilH: 1, dilW: 1 };
    const pooled = new Float32Array(g.N * F * POH * POW), argmax = new Int32Array(pooled.length), dz = rand(pooled.length);
    expectSameOnAnyThreadCount('conv2dReluMaxPool', () => {
      w.conv2dReluMaxPool(x, wt, bias, pooled, argmax, F, g, pg);
      return pooled.slice();
    });
    expectSameOnAnyThreadCount('conv2dReluMaxPoolBackward', () => {
      const dx = new Float32Array(x.length), dw = new Float32Array(wt.length), db = new Float32Array(F);
      w.conv2dReluMaxPoolBackward(dz, pooled, argmax, x, wt, dx, dw, db, F, g);
      return Float32Array.from([...dx, ...dw, ...db]);
    });
    expect(byWorkers()).toBeGreaterThan(before);
  });

  it('Adam on a large parameter (split over the threads) equals the single-threaded result exactly, and the js kernel to float32 rounding; a small one stays on the calling thread', async () => {
    const { jsBackend } = await import('../js/index.js');
    const before = byWorkers();
    for (const [n, decoupled] of [[100_003, false], [65_536, true]] as const) {
      const p0 = rand(n), g = rand(n), m0 = rand(n), v0 = rand(n).map(Math.abs);
      const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled, t: 7 };
      const step = (b: { adamStep: typeof w.adamStep }): Float32Array[] => {
        const p = p0.slice(), m = m0.slice(), v = v0.slice();
        b.adamStep(p, g, m, v, o);
        return [p, m, v];
      };
      const [pj, mj, vj] = step(jsBackend);
      expectSameOnAnyThreadCount(`adamStep n=${n} decoupled=${decoupled}`, () => {
        const [p, m, v] = step(w);
        // The js kernel rounds to float32 at other points (1e-3 steps on weights of order 1).
        for (const [got, want, name] of [[p, pj, 'p'], [m, mj, 'm'], [v, vj, 'v']] as const) {
          for (let i = 0; i < n; i++) if (!(Math.abs(got[i]! - want[i]!) <= 1e-6 * Math.max(1, Math.abs(want[i]!)))) expect.fail(`adamStep n=${n} ${name}[${i}] = ${got[i]}, js ${want[i]}`);
        }
        return p;
      });
    }
    expect(byWorkers()).toBeGreaterThan(before);
    setNumThreads(2);
    const small = rand(20_000), atSmall = byWorkers();
    for (let i = 0; i < 20; i++) w.adamStep(small, small.slice(), rand(20_000), rand(20_000).map(Math.abs), { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, t: 1 });
    expect(byWorkers()).toBe(atSmall);
  });

  it('keeps small kernels on the calling thread', () => {
    setNumThreads(2);
    const m = 40, k = 40, n = 40; // 64,000 multiply-adds: wasm, but too small to repay waking a worker
    const a = rand(m * k), b = rand(k * n), out = new Float32Array(m * n);
    w.matmul(a, 0, b, 0, out, 1, m, k, n, false, false);
    const before = byWorkers();
    for (let i = 0; i < 50; i++) w.matmul(a, 0, b, 0, out, 1, m, k, n, false, false);
    expect(byWorkers()).toBe(before);
  });

  it('puts idle workers to sleep in Atomics.wait instead of spinning', async () => {
    setNumThreads(2);
    const a = rand(256 * 256), out = new Float32Array(256 * 256);
    w.matmul(a, 0, a, 0, out, 1, 256, 256, 256, false, false);
    // Every worker ends up started and asleep, none spinning. One snapshot per look: a worker that
    // finishes booting between two reads (earlier tests spawned more) must not pass the check.
    const asleep = (s: NonNullable<ReturnType<typeof w.threadStats>>): boolean => s.ready === s.workers && s.sleeping === s.ready;
    let stats = w.threadStats()!;
    for (const deadline = Date.now() + 20_000; !asleep(stats) && Date.now() < deadline; stats = w.threadStats()!) await new Promise((r) => setTimeout(r, 20));
    expect(asleep(stats), JSON.stringify(stats)).toBe(true);
  });

  it('a lowered thread count leaves the extra workers out', () => {
    const a = rand(256 * 256), out = new Float32Array(256 * 256);
    setNumThreads(1);
    const before = byWorkers();
    for (let i = 0; i < 20; i++) w.matmul(a, 0, a, 0, out, 1, 256, 256, 256, false, false);
    expect(byWorkers()).toBe(before);
  });
});

describe('thread settings', () => {
  it('setNumThreads takes a whole number from 1 and says what was wrong otherwise', () => {
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
    for (const bad of [0, -1, 1.5, NaN, 1000]) expect(() => setNumThreads(bad)).toThrow(/setNumThreads\(n\): n must be a whole number of threads from 1/);
  });

  it.runIf(pooled)('a process that used worker threads exits on its own; KILN_THREADS sets the count', () => {
    const script = `import * as kiln from ${JSON.stringify(distIndex)};
      const a = kiln.randn([512, 512]);
      kiln.matmul(a, a);
      console.log(kiln.getNumThreads());`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, KILN_THREADS: '2' }, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('2');
  });

  it('rejects a KILN_THREADS that is not a thread count, naming it', () => {
    const script = `import * as kiln from ${JSON.stringify(distIndex)}; kiln.getNumThreads();`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, KILN_THREADS: 'lots' }, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/KILN_THREADS=lots: must be a whole number of threads from 1 to 256/);
  });
});
