// Elementwise float32 kernels that profiles show in JavaScript: ReLU and its backward. On real
// activations the sign of each element is unpredictable, so a JS loop with a comparison pays a
// branch misprediction per element (about 7 ns); SIMD max and masks have no branches at all.

/** out[i] = max(x[i], 0), NaN staying NaN (as PyTorch's relu). */
export function relu(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const vec = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < vec; i += 16) v128.store(out + i, f32x4.max(v128.load(x + i), zero));
  for (let i = n & ~3; i < n; i++) store<f32>(out + (<usize>i << 2), max(load<f32>(x + (<usize>i << 2)), 0));
}

/** out[i] = x[i] > 0 ? g[i] : 0: ReLU's backward in one pass. */
export function reluGrad(g: usize, x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const vec = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < vec; i += 16) v128.store(out + i, v128.and(v128.load(g + i), f32x4.gt(v128.load(x + i), zero)));
  for (let i = n & ~3; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, load<f32>(x + at) > 0 ? load<f32>(g + at) : 0);
  }
}
