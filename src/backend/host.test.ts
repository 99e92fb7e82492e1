import { describe, expect, it } from 'vitest';
import { copyHost, fillHost } from './host.js';

// copyHost and fillHost take a plain loop below 32 elements and the builtins above: both paths
// must give what set() and fill() give, conversions included.
describe('host copies and fills, small and large', () => {
  for (const n of [0, 1, 5, 31, 32, 100]) {
    it(`copies and converts ${n} elements as set() does`, () => {
      const f64 = Float64Array.from({ length: n }, (_, i) => i * 1.1 - 7.3 + 1e-9);
      const f32 = new Float32Array(n);
      copyHost(f64, f32);
      expect(Array.from(f32)).toEqual(Array.from(new Float32Array(f64)));
      const i32 = new Int32Array(n);
      copyHost(f64, i32);
      expect(Array.from(i32)).toEqual(Array.from(f64, (v) => Math.trunc(v) + 0)); // (+ 0: an int32 has no −0)
      const back = new Float64Array(n + 3).fill(9);
      copyHost(i32, back);
      expect(Array.from(back)).toEqual([...Array.from(i32), 9, 9, 9]); // a shorter source fills the front only
      fillHost(back, -2.5);
      expect(back.every((v) => v === -2.5)).toBe(true);
    });
  }
});
