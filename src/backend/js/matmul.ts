import { host } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { allocate, dtypeOf } from '../../tensor/dtype.js';

/** Columns of C (and of a row of B) handled per pass: 4 rows of C plus a row of B stay in L1. */
const COL_BLOCK = 512;
/** Rows of B per pass: a DEPTH_BLOCK × COL_BLOCK tile of B (256 KB in float32) stays in L2 for all rows of A. */
const DEPTH_BLOCK = 128;

/** Copies a [rows, cols] matrix stored at `off` into out as its transpose [cols, rows]. */
function transposeInto(src: TypedArray, off: number, rows: number, cols: number, out: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const s = off + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[s + c]!;
  }
}

/**
 * C[m, n] = A[m, k]·B[k, n] for row-major A at aOff, B at bOff, C at cOff. Four rows of A go
 * through each row of B together, so every B element loaded serves four multiply-adds; columns
 * and depth are blocked so the four C rows stay in L1 and the B tile in L2.
 */
function gemm(a: TypedArray, aOff: number, b: TypedArray, bOff: number, c: TypedArray, cOff: number, m: number, k: number, n: number): void {
  c.fill(0, cOff, cOff + m * n);
  for (let j0 = 0; j0 < n; j0 += COL_BLOCK) {
    const j1 = Math.min(j0 + COL_BLOCK, n);
    for (let p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
      const p1 = Math.min(p0 + DEPTH_BLOCK, k);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const a0 = aOff + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        const c0 = cOff + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        for (let p = p0; p < p1; p++) {
          const v0 = a[a0 + p]!, v1 = a[a1 + p]!, v2 = a[a2 + p]!, v3 = a[a3 + p]!;
          const br = bOff + p * n;
          for (let j = j0; j < j1; j++) {
            const bv = b[br + j]!;
            c[c0 + j] += v0 * bv;
            c[c1 + j] += v1 * bv;
            c[c2 + j] += v2 * bv;
            c[c3 + j] += v3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const ar = aOff + i * k, cr = cOff + i * n;
        for (let p = p0; p < p1; p++) {
          const v = a[ar + p]!;
          const br = bOff + p * n;
          for (let j = j0; j < j1; j++) c[cr + j] += v * b[br + j]!;
        }
      }
    }
  }
}

/**
 * C[m, n] = A[m, k]·B[n, k]ᵀ: each entry is a dot product of two contiguous rows. Four rows of B
 * share each load of A's row, and B is streamed once per row of A without being copied (it is
 * often a large weight, x·Wᵀ).
 */
function gemmNT(a: TypedArray, aOff: number, b: TypedArray, bOff: number, c: TypedArray, cOff: number, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const ar = aOff + i * k, cr = cOff + i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = a[ar + p]!;
        s0 += av * b[b0 + p]!;
        s1 += av * b[b1 + p]!;
        s2 += av * b[b2 + p]!;
        s3 += av * b[b3 + p]!;
      }
      c[cr + j] = s0; c[cr + j + 1] = s1; c[cr + j + 2] = s2; c[cr + j + 3] = s3;
    }
    for (; j < n; j++) {
      const br = bOff + j * k;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[ar + p]! * b[br + p]!;
      c[cr + j] = sum;
    }
  }
}

/** Products of at most this many multiply-adds (per-sample training's 1×2 by 2×1) take the direct loop. */
export const SMALL_WORK = 512;

/**
 * The products of one-example training steps, where the blocked kernels' set-up (a transposed
 * copy of A, a zeroing pass, block loops) costs more than the arithmetic: one loop over C reading
 * both operands where they are. Same sums in the same order and rounding as gemm (a float32 C
 * rounded after every term) and gemmNT (summed in double, rounded once), so results do not depend
 * on which path a size takes.
 */
export function smallMatmul(
  a: TypedArray, aStride: number, b: TypedArray, bStride: number, out: TypedArray,
  batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean,
): void {
  const roundEach = !transB && out instanceof Float32Array;
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * aStride, bOff = bi * bStride, cOff = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const term = a[transA ? aOff + p * m + i : aOff + i * k + p]! * b[transB ? bOff + j * k + p : bOff + p * n + j]!;
          s = roundEach ? Math.fround(s + term) : s + term;
        }
        out[cOff + i * n + j] = s;
      }
    }
  }
}

/**
 * C_b[m, n] = op(A_b)·op(B_b) for each b < batch. A transposed A is first copied into [m, k]
 * (O(m·k) work against O(m·k·n)); a transposed B is read in place by the dot-product kernel.
 */
export function matmul(
  a_: Storage, aStride: number, b_: Storage, bStride: number, out_: Storage,
  batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean,
): void {
  const a = host(a_), b = host(b_), out = host(out_);
  if (m * n * k <= SMALL_WORK) return smallMatmul(a, aStride, b, bStride, out, batch, m, k, n, transA, transB);
  const aT = transA ? allocate(dtypeOf(a), m * k) : null;
  for (let bi = 0; bi < batch; bi++) {
    let A = a, aOff = bi * aStride;
    // A stored [k, m] → [m, k]. A broadcast A (stride 0) is copied once.
    if (aT) {
      if (bi === 0 || aStride !== 0) transposeInto(a, aOff, k, m, aT);
      A = aT;
      aOff = 0;
    }
    if (transB) gemmNT(A, aOff, b, bi * bStride, out, bi * m * n, m, k, n);
    else gemm(A, aOff, b, bi * bStride, out, bi * m * n, m, k, n);
  }
}
