import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';

describe('backend selection', () => {
  it('defaults to wasm where WebAssembly SIMD exists, or to KILN_BACKEND', () => {
    expect(kiln.listBackends()).toEqual(['js', 'wasm']);
    expect(kiln.getBackend()).toBe(process.env.KILN_BACKEND ?? 'wasm');
  });

  it('switches with setBackend and refuses unknown names', () => {
    const before = kiln.getBackend();
    try {
      kiln.setBackend('js');
      expect(kiln.getBackend()).toBe('js');
      const a = kiln.randn([40, 50]), b = kiln.randn([50, 60]);
      const viaJs = Array.from(a.matmul(b).values);
      kiln.setBackend('wasm');
      const viaWasm = Array.from(a.matmul(b).values);
      viaWasm.forEach((v, i) => expect(v).toBeCloseTo(viaJs[i]!, 3));
      expect(() => kiln.setBackend('cuda')).toThrow("setBackend: no backend named 'cuda'; available: js, wasm");
    } finally {
      kiln.setBackend(before);
    }
  });

  it('describes what each backend runs on, following setNumThreads', () => {
    const threads = kiln.getNumThreads();
    try {
      expect(kiln.backendDetail('js')).toBe('JavaScript, 1 thread');
      kiln.setNumThreads(3);
      expect(kiln.backendDetail('wasm')).toMatch(/^SIMD( \+ relaxed SIMD)?, 3 threads$/);
      kiln.setNumThreads(1);
      expect(kiln.backendDetail('wasm')).toMatch(/^SIMD( \+ relaxed SIMD)?, 1 thread$/);
      expect(() => kiln.backendDetail('cuda')).toThrow("backendDetail: no backend named 'cuda'");
    } finally {
      kiln.setNumThreads(threads);
    }
  });

  it('ready() resolves to the backend in use (wasm here, where the kernels compile on first use)', async () => {
    expect(await kiln.ready()).toBe(kiln.getBackend());
  });
});
