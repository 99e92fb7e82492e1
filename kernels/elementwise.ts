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

/**
 * out[i] = parts[0][i] + parts[1][i] + … + parts[count − 1][i] for n floats, the parts n floats
 * apart, added in that order (each sum rounded to float32 as it goes, as a JavaScript loop over a
 * Float32Array would): the chunks of a split filter gradient, summed the same way on any thread count.
 */
export function sumParts(parts: usize, out: usize, n: i32, count: i32): void {
  const stride = <usize>n << 2, vec = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < vec; i += 16) {
    let s = v128.load(parts + i);
    for (let r = 1, at = parts + stride + i; r < count; r++, at += stride) s = f32x4.add(s, v128.load(at));
    v128.store(out + i, s);
  }
  for (let i = <usize>(n & ~3) << 2; i < stride; i += 4) {
    let s = load<f32>(parts + i);
    for (let r = 1, at = parts + stride + i; r < count; r++, at += stride) s += load<f32>(at);
    store<f32>(out + i, s);
  }
}
