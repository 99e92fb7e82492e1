// SIMD matrix product for float32, the hot kernel of dense and convolutional layers.
//
// C[m, n] (+)= op(A)[m, k] · op(B)[k, n]. A and B are first packed into panels (A: 4 rows × k,
// B: k × 8 columns, zero-padded at the edges), so the micro-kernel reads both contiguously and
// keeps a 4×8 tile of C in eight SIMD registers while it runs down k.
// All pointers are byte offsets into the imported memory; strides are in elements.

/** Packs op(A) into ⌈m/4⌉ panels of [k][4]. A(i, p) is at a[i·lda + p], or a[p·lda + i] when transA. */
function packA(m: i32, k: i32, a: usize, lda: i32, transA: i32, out: usize): void {
  const panels = (m + 3) >> 2;
  for (let ip = 0; ip < panels; ip++) {
    for (let p = 0; p < k; p++) {
      const dst = out + ((<usize>(ip * k + p)) << 4);
      for (let r = 0; r < 4; r++) {
        const i = ip * 4 + r;
        let v: f32 = 0;
        if (i < m) v = load<f32>(a + ((<usize>(transA ? p * lda + i : i * lda + p)) << 2));
        store<f32>(dst + (<usize>r << 2), v);
      }
    }
  }
}

/** Packs op(B) into ⌈n/8⌉ panels of [k][8]. B(p, j) is at b[p·ldb + j], or b[j·ldb + p] when transB. */
function packB(n: i32, k: i32, b: usize, ldb: i32, transB: i32, out: usize): void {
  const panels = (n + 7) >> 3;
  for (let jp = 0; jp < panels; jp++) {
    for (let p = 0; p < k; p++) {
      const dst = out + ((<usize>(jp * k + p)) << 5);
      const j0 = jp * 8;
      if (!transB && j0 + 8 <= n) {
        const src = b + ((<usize>(p * ldb + j0)) << 2);
        v128.store(dst, v128.load(src));
        v128.store(dst + 16, v128.load(src + 16));
        continue;
      }
      for (let c = 0; c < 8; c++) {
        const j = j0 + c;
        let v: f32 = 0;
        if (j < n) v = load<f32>(b + ((<usize>(transB ? j * ldb + p : p * ldb + j)) << 2));
        store<f32>(dst + (<usize>c << 2), v);
      }
    }
  }
}

/** Bytes of packing space gemm needs for these sizes (A panels then B panels). */
export function gemmScratchBytes(m: i32, n: i32, k: i32): i32 {
  return (((m + 3) >> 2) * k * 16) + (((n + 7) >> 3) * k * 32);
}

/**
 * C (+)= op(A)·op(B), C row-major [m, n] with row stride ldc. `scratch` needs gemmScratchBytes.
 * With `accumulate` the product is added to C, otherwise it replaces it.
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: i32,
  b: usize, ldb: i32, transB: i32,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  const pa = scratch;
  const pb = scratch + <usize>(((m + 3) >> 2) * k * 16);
  packA(m, k, a, lda, transA, pa);
  packB(n, k, b, ldb, transB, pb);
  const rowPanels = (m + 3) >> 2;
  const colPanels = (n + 7) >> 3;
  for (let jp = 0; jp < colPanels; jp++) {
    const bp = pb + <usize>(jp * k * 32);
    for (let ip = 0; ip < rowPanels; ip++) {
      const ap = pa + <usize>(ip * k * 16);
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const bq = bp + (<usize>p << 5);
        const b0 = v128.load(bq);
        const b1 = v128.load(bq + 16);
        const aq = ap + (<usize>p << 4);
        const a0 = v128.load32_splat(aq);
        const a1 = v128.load32_splat(aq + 4);
        const a2 = v128.load32_splat(aq + 8);
        const a3 = v128.load32_splat(aq + 12);
        c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
        c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
        c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
        c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
      }
      storeRow(ip * 4 + 0, jp * 8, m, n, c, ldc, accumulate, c00, c01);
      storeRow(ip * 4 + 1, jp * 8, m, n, c, ldc, accumulate, c10, c11);
      storeRow(ip * 4 + 2, jp * 8, m, n, c, ldc, accumulate, c20, c21);
      storeRow(ip * 4 + 3, jp * 8, m, n, c, ldc, accumulate, c30, c31);
    }
  }
}

/** Writes (or adds) 8 results at C[i, j0…j0+7], clipped to the matrix. */
// @ts-ignore: decorator
@inline
function storeRow(i: i32, j0: i32, m: i32, n: i32, c: usize, ldc: i32, accumulate: i32, lo: v128, hi: v128): void {
  if (i >= m) return;
  const row = c + ((<usize>(i * ldc + j0)) << 2);
  if (j0 + 8 <= n) {
    if (accumulate) {
      lo = f32x4.add(lo, v128.load(row));
      hi = f32x4.add(hi, v128.load(row + 16));
    }
    v128.store(row, lo);
    v128.store(row + 16, hi);
    return;
  }
  for (let t = 0; t < 8 && j0 + t < n; t++) {
    const v: f32 = t < 4 ? extractLane(lo, t) : extractLane(hi, t - 4);
    const at = row + (<usize>t << 2);
    store<f32>(at, accumulate ? load<f32>(at) + v : v);
  }
}

// @ts-ignore: decorator
@inline
function extractLane(v: v128, t: i32): f32 {
  if (t == 0) return f32x4.extract_lane(v, 0);
  if (t == 1) return f32x4.extract_lane(v, 1);
  if (t == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}
