import { ValueError } from '../errors.js';
import { jumpState } from './random-jump.js';

/** A generator's state, as `Generator.getState()` gives it. */
export interface GeneratorState { s: number[]; spareNormal: number | null }

/**
 * The seeded generator behind everything random in Kiln: initialisation, shuffling, dropout and
 * the datasets. xoshiro128** seeded through splitmix32, so one seed gives the same bits in Node.js
 * and in every browser. `manualSeed(0)` resets it.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.seed(seed);
  }

  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new ValueError(`manualSeed: the seed must be a finite number, got ${seed}`);
    // splitmix32 spreads any integer seed into four well-mixed, non-zero state words.
    let x = Math.trunc(seed) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spareNormal = null;
  }

  /** The generator's whole state, JSON-safe: with `setState` a resumed run draws what it would have drawn. */
  getState(): GeneratorState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spareNormal };
  }

  /** Restores a state from `getState()`. */
  setState(state: GeneratorState): void {
    const ok = state && Array.isArray(state.s) && state.s.length === 4 && state.s.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 32)
      && (state.spareNormal === null || Number.isFinite(state.spareNormal));
    if (!ok) throw new ValueError(`Generator.setState: not a generator state (four 32-bit words and spareNormal), got ${JSON.stringify(state)?.slice(0, 80)}`);
    [this.s0, this.s1, this.s2, this.s3] = state.s as [number, number, number, number];
    this.spareNormal = state.spareNormal;
  }

  /**
   * Moves on as if `words` calls of nextUint32() had been made (each uniform() takes two), in
   * O(log words): how a kernel that drew those numbers elsewhere (on a GPU) keeps the stream whole.
   */
  advance(words: number): void {
    if (!Number.isInteger(words) || words < 0 || words >= 2 ** 53) throw new ValueError(`Generator.advance: words must be a non-negative integer below 2^53, got ${words}`);
    [this.s0, this.s1, this.s2, this.s3] = jumpState([this.s0, this.s1, this.s2, this.s3], words) as [number, number, number, number];
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by the Box–Muller transform (the second value is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }

  /** Fisher–Yates shuffle of 0…n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The one global generator. */
export const defaultGenerator = new Generator(0);

/** Seeds every random thing Kiln does: `kiln.manualSeed(0)`. */
export function manualSeed(seed: number): void {
  defaultGenerator.seed(seed);
}
