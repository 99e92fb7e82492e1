// WGSL of the webgpu backend's random kernels: the seeded generator's xoshiro128** stream, drawn
// in parallel. Thread t makes elements t·PER_THREAD … (t+1)·PER_THREAD − 1, which take words
// 2·PER_THREAD·t on of the stream: it jumps there from the caller's state by the bit matrices
// T^(2^(JUMP_FROM + b)) for the set bits b of t (src/tensor/random-jump.ts), then steps as the CPU does.

/** Elements each thread draws. */
export const PER_THREAD = 16;
/** log2 of the words one thread's elements take (two words a uniform): its jumps start at T^(2^JUMP_FROM). */
export const JUMP_FROM = Math.log2(2 * PER_THREAD);
/** Jump levels in the table: enough for 2^31 elements. */
export const JUMP_LEVELS = 31 - Math.log2(PER_THREAD);

const STREAM = `
fn rotl(x: u32, k: u32) -> u32 { return (x << k) | (x >> (32u - k)); }
// M·s over GF(2) for the table's matrix \`level\`: the XOR of its columns where s has a bit set.
fn jump(s: vec4u, level: u32) -> vec4u {
  var r = vec4u(0u);
  var v = s;
  for (var w = 0u; w < 4u; w++) {
    var bits = v[w];
    while (bits != 0u) {
      let j = firstTrailingBit(bits);
      bits &= bits - 1u;
      r ^= jumps[level * 128u + w * 32u + j];
    }
  }
  return r;
}
// One xoshiro128** output (Generator.nextUint32).
fn next(s: ptr<function, vec4u>) -> u32 {
  let result = rotl((*s).y * 5u, 7u) * 9u;
  let t = (*s).y << 9u;
  (*s).z ^= (*s).x;
  (*s).w ^= (*s).y;
  (*s).y ^= (*s).z;
  (*s).x ^= (*s).w;
  (*s).z ^= t;
  (*s).w = rotl((*s).w, 11u);
  return result;
}`;

/**
 * Inverted dropout's mask. A uniform() is N/2^53 with N = (w₁ >> 5)·2^26 + (w₂ >> 6), so u ≥ p is
 * N ≥ ⌈p·2^53⌉, compared as the (high, low) halves at p[5], p[6]: exact, as the CPU's float64.
 * p: [n, state[4], thresholdHigh, thresholdLow, scale (f32)].
 */
export function dropoutMask(): string {
  return `@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> jumps: array<vec4u>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
${STREAM}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  let n = p[0];
  let first = t * ${PER_THREAD}u;
  if (first >= n) { return; }
  var s = vec4u(p[1], p[2], p[3], p[4]);
  var rest = t;
  for (var level = 0u; rest != 0u; level++) {
    if ((rest & 1u) != 0u) { s = jump(s, level); }
    rest >>= 1u;
  }
  let scale = bitcast<f32>(p[7]);
  for (var e = first; e < min(first + ${PER_THREAD}u, n); e++) {
    let hi = next(&s) >> 5u;
    let lo = next(&s) >> 6u;
    o[e] = select(0.0, scale, hi > p[5] || (hi == p[5] && lo >= p[6]));
  }
}`;
}
