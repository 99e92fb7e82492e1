import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { Generator } from '../../tensor/random.js';
import { jsBackend } from '../js/index.js';
import { createWasmBackend } from './index.js';

// Optimiser state resident in the wasm kernels' memory: zeroed, updated in place by the SIMD Adam
// and RMSprop kernels with the js kernels' results, reused once garbage-collected, and never in
// the arena's way.

const wasm = createWasmBackend();
const resident = wasm?.allocState !== undefined;
const gen = new Generator(21);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => gen.normal());
const gc = (globalThis as { gc?: () => void }).gc;

describe.runIf(resident)('resident optimiser state (wasm)', () => {
  const w = wasm!;

  it('gives zeroed buffers that the SIMD Adam updates in place as the js kernel does', () => {
    for (const decoupled of [false, true]) {
      const n = 10_007; // past the js cut-off, with a tail after the last full vector
      const p1 = rand(n), g = rand(n), p2 = p1.slice();
      const m1 = new Float32Array(n), v1 = new Float32Array(n);
      const m2 = w.allocState!(n), v2 = w.allocState!(n);
      expect(Array.from(m2.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
      for (let t = 1; t <= 5; t++) {
        const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled, t };
        jsBackend.adamStep(p1, g, m1, v1, o);
        w.adamStep(p2, g, m2, v2, o);
      }
      for (let i = 0; i < n; i++) {
        if (Math.abs(p1[i]! - p2[i]!) > 1e-6 * Math.max(1, Math.abs(p1[i]!))) expect.fail(`p[${i}]: wasm ${p2[i]} js ${p1[i]}`);
        if (Math.abs(v1[i]! - v2[i]!) > 1e-6 * Math.max(1e-6, Math.abs(v1[i]!))) expect.fail(`v[${i}]: wasm ${v2[i]} js ${v1[i]}`);
      }
    }
  });

  it('runs RMSprop on resident buffers as the js kernel does, with and without momentum', () => {
    for (const momentum of [0, 0.9]) {
      const n = 9_999;
      const p1 = rand(n), g = rand(n), p2 = p1.slice();
      const sq1 = new Float32Array(n), buf1 = momentum ? new Float32Array(n) : null;
      const sq2 = w.allocState!(n), buf2 = momentum ? w.allocState!(n) : null;
      for (let t = 1; t <= 5; t++) {
        const o = { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum, weightDecay: 0.05 };
        jsBackend.rmspropStep(p1, g, sq1, buf1, o);
        w.rmspropStep(p2, g, sq2, buf2, o);
      }
      for (let i = 0; i < n; i++) {
        if (Math.abs(p1[i]! - p2[i]!) > 1e-5 * Math.max(1, Math.abs(p1[i]!))) expect.fail(`momentum ${momentum}, p[${i}]: wasm ${p2[i]} js ${p1[i]}`);
      }
    }
  });

  it('reuses the memory of buffers whose arrays were garbage-collected', async () => {
    expect(gc, 'the tests run with --expose-gc').toBeDefined();
    const block = 50_000 * 4;
    const before = w.residentBytes();
    for (let i = 0; i < 100; i++) {
      w.allocState!(50_000);
      if (i % 10 === 9) {
        gc!();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    // 100 blocks were made; without reuse the region would have grown by all of them.
    expect(w.residentBytes() - before).toBeLessThan(25 * block);
  });

  it('keeps matmuls right with resident buffers below the arena', () => {
    const keep = [w.allocState!(1 << 20), w.allocState!(3), w.allocState!(1 << 18)];
    keep[0]!.fill(7);
    const m = 120, k = 300, n = 90, a = rand(m * k), b = rand(k * n);
    const o1 = new Float32Array(m * n), o2 = new Float32Array(m * n);
    jsBackend.matmul(a, 0, b, 0, o1, 1, m, k, n, false, false);
    w.matmul(a, 0, b, 0, o2, 1, m, k, n, false, false);
    for (let i = 0; i < o1.length; i++) expect(o2[i]).toBeCloseTo(o1[i]!, 3);
    expect(keep[0]![12345]).toBe(7); // the arena never wrote over a resident buffer
  });

  it('trains with Adam and RMSprop on wasm as on js (a layer big enough for the SIMD path)', () => {
    for (const make of [
      (ps: kiln.Tensor[]) => new kiln.optim.Adam(ps, { lr: 0.01 }),
      (ps: kiln.Tensor[]) => new kiln.optim.RMSprop(ps, { lr: 0.001, momentum: 0.5 }),
    ]) trainSame(make);
  });

  function trainSame(makeOptimizer: (ps: kiln.Tensor[]) => kiln.optim.Optimizer<{ lr: number }>): void {
    const run = (backend: string): number[] => {
      kiln.setBackend(backend);
      kiln.manualSeed(3);
      const layer = new kiln.nn.Linear(100, 80);
      const opt = makeOptimizer(layer.parameters());
      const x = kiln.randn([16, 100]);
      for (let i = 0; i < 5; i++) {
        opt.zeroGrad();
        layer.forward(x).square().mean().backward();
        opt.step();
      }
      return Array.from(layer.weight.data);
    };
    const before = kiln.getBackend();
    try {
      const viaJs = run('js'), viaWasm = run('wasm');
      viaWasm.forEach((v, i) => expect(v).toBeCloseTo(viaJs[i]!, 5));
    } finally {
      kiln.setBackend(before);
    }
  }
});
