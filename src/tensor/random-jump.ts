// Jumping the seeded generator ahead without drawing. xoshiro128**'s state transition is linear
// over GF(2): one step is a 128×128 bit matrix T, and k steps are T^k. With the powers T^(2^j) at
// hand, any k costs one matrix–vector product per set bit of k. This is what lets a GPU draw the
// same numbers as the CPU in parallel: thread t starts from T^(t·K)·s and steps K times.

/** A 128×128 bit matrix: column j (the image of state bit j) in words 4j…4j+3. */
export type BitMatrix = Uint32Array;

/** The state words after one step of xoshiro128** (its output scrambler does not touch the state). */
function step(s: Uint32Array): void {
  const t = s[1]! << 9;
  s[2]! ^= s[0]!;
  s[3]! ^= s[1]!;
  s[1]! ^= s[2]!;
  s[0]! ^= s[3]!;
  s[2]! ^= t;
  s[3] = (s[3]! << 11) | (s[3]! >>> 21);
}

/** r = M·s over GF(2): the XOR of the columns of M where s has a bit set. */
export function applyBits(m: BitMatrix, s: ArrayLike<number>, r: Uint32Array = new Uint32Array(4)): Uint32Array {
  let r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  for (let w = 0; w < 4; w++) {
    let bits = s[w]! >>> 0;
    while (bits !== 0) {
      const j = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      const c = (w * 32 + j) * 4;
      r0 ^= m[c]!; r1 ^= m[c + 1]!; r2 ^= m[c + 2]!; r3 ^= m[c + 3]!;
    }
  }
  r[0] = r0; r[1] = r1; r[2] = r2; r[3] = r3;
  return r;
}

const powers: BitMatrix[] = [];

/** T^(2^j), the jump by 2^j steps (computed on first use by squaring, 2 KB each). */
export function stepPower(j: number): BitMatrix {
  if (powers.length === 0) {
    const t = new Uint32Array(512);
    const s = new Uint32Array(4);
    for (let bit = 0; bit < 128; bit++) {
      s.fill(0);
      s[bit >>> 5] = 1 << (bit & 31);
      step(s);
      t.set(s, bit * 4);
    }
    powers.push(t);
  }
  while (powers.length <= j) {
    const a = powers[powers.length - 1]!;
    const sq = new Uint32Array(512);
    for (let c = 0; c < 128; c++) applyBits(a, a.subarray(c * 4, c * 4 + 4), sq.subarray(c * 4, c * 4 + 4));
    powers.push(sq);
  }
  return powers[j]!;
}

/** The state `steps` steps after `s` (steps: a non-negative integer below 2^53). */
export function jumpState(s: readonly number[], steps: number): number[] {
  let state: Uint32Array = Uint32Array.from(s, (v) => v >>> 0);
  for (let j = 0; steps > 0; j++, steps = Math.floor(steps / 2)) {
    if (steps % 2 === 1) state = applyBits(stepPower(j), state);
  }
  return Array.from(state, (v) => v | 0);
}

/** T^(2^j) for j = from … to−1, one after another: the table a GPU kernel jumps with. */
export function stepPowerTable(from: number, to: number): Uint32Array {
  const out = new Uint32Array((to - from) * 512);
  for (let j = from; j < to; j++) out.set(stepPower(j), (j - from) * 512);
  return out;
}
