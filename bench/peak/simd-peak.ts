// WebAssembly SIMD's peak on one core: independent fused multiply-adds (relaxed SIMD's f32x4
// relaxed_madd), twelve chains so the FMA units never wait on a result. Compiled and run by
// bench/peak/simd-peak.mjs; each iteration is 12 × 4 lanes × 2 flops.

/** Runs `iterations` rounds and returns a sum of the chains (so nothing is optimised away). */
export function fmaRounds(iterations: i32): f32 {
  const b = f32x4.splat(0.9999), c = f32x4.splat(0.0001);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(1.1), a2 = f32x4.splat(1.2), a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4), a5 = f32x4.splat(1.5), a6 = f32x4.splat(1.6), a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8), a9 = f32x4.splat(1.9), a10 = f32x4.splat(2.0), a11 = f32x4.splat(2.1);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.relaxed_madd(a0, b, c); a1 = f32x4.relaxed_madd(a1, b, c); a2 = f32x4.relaxed_madd(a2, b, c);
    a3 = f32x4.relaxed_madd(a3, b, c); a4 = f32x4.relaxed_madd(a4, b, c); a5 = f32x4.relaxed_madd(a5, b, c);
    a6 = f32x4.relaxed_madd(a6, b, c); a7 = f32x4.relaxed_madd(a7, b, c); a8 = f32x4.relaxed_madd(a8, b, c);
    a9 = f32x4.relaxed_madd(a9, b, c); a10 = f32x4.relaxed_madd(a10, b, c); a11 = f32x4.relaxed_madd(a11, b, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11));
  return f32x4.extract_lane(f32x4.add(s, t), 0);
}
