// SIMD matrix product for float32, the hot kernel of dense and convolutional layers.
//
// C[m, n] (+)= op(A)[m, k] · op(B)[k, n]. A and B are first packed into panels (A: MR = 3 rows × k,
// B: k × NR = 12 columns, zero-padded at the edges), so the micro-kernel reads both contiguously
// and keeps a 3×12 tile of C in nine SIMD registers while it runs down k.
// All pointers are byte offsets into the imported memory; strides are in elements.

/** Rows of C per micro-kernel tile, and of A per packed panel (the host splits rows in multiples of it: gemmTileRows). */
const MR = 3;
/** Columns of C per micro-kernel tile, and of B per packed panel: three vectors. */
const NR = 12;

/** MR, for the host: a chunk of rows given to a thread starts on a panel boundary. */
export function gemmTileRows(): i32 {
  return MR;
}

/** NR, for the host: a chunk of columns given to a thread starts on a panel boundary. */
export function gemmTileCols(): i32 {
  return NR;
}

/**
 * Packs op(A) into ⌈m/MR⌉ panels of [k][MR]. A(i, p) is at a[i·lda + p], or a[p·lda + i] when
 * transA. Full panels move whole vectors: when transposed, MR consecutive i are contiguous (two
 * floats and one); otherwise the three rows are read four p at a time and interleaved in
 * registers into three vectors. Edges go element by element.
 */
function packA(m: i32, k: i32, a: usize, lda: i32, transA: i32, out: usize): void {
  const panels = (m + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const i0 = ip * MR;
    const panel = out + <usize>(ip * k * MR * 4);
    let p = 0;
    if (i0 + MR <= m) {
      if (transA) {
        for (; p < k; p++) {
          const src = a + (<usize>(p * lda + i0) << 2), dst = panel + <usize>(p * MR * 4);
          store<u64>(dst, load<u64>(src));
          store<f32>(dst + 8, load<f32>(src + 8));
        }
      } else {
        const r0 = a + (<usize>(i0 * lda) << 2), step = <usize>lda << 2;
        for (; p + 4 <= k; p += 4) {
          const at = r0 + (<usize>p << 2), dst = panel + <usize>(p * MR * 4);
          const x = v128.load(at), y = v128.load(at + step), z = v128.load(at + 2 * step);
          // [x0 y0 z0 x1] [y1 z1 x2 y2] [z2 x3 y3 z3]: p, p+1, p+2, p+3 of the panel's three rows.
          v128.store(dst, v128.shuffle<i32>(v128.shuffle<i32>(x, y, 0, 4, 1, 5), z, 0, 1, 4, 2));
          v128.store(dst + 16, v128.shuffle<i32>(v128.shuffle<i32>(y, z, 1, 5, 2, 6), x, 0, 1, 6, 2));
          v128.store(dst + 32, v128.shuffle<i32>(z, v128.shuffle<i32>(x, y, 3, 7, 3, 7), 2, 4, 5, 3));
        }
      }
    }
    for (; p < k; p++) {
      const dst = panel + <usize>(p * MR * 4);
      for (let r = 0; r < MR; r++) {
        const i = i0 + r;
        let v: f32 = 0;
        if (i < m) v = load<f32>(a + ((<usize>(transA ? p * lda + i : i * lda + p)) << 2));
        store<f32>(dst + (<usize>r << 2), v);
      }
    }
  }
}

/**
 * Packs op(B) into ⌈n/NR⌉ panels of [k][NR]. B(p, j) is at b[p·ldb + j], or b[j·ldb + p] when transB.
 * Full panels move whole vectors (twelve rows of Bᵀ transposed four p at a time when transposed).
 */
function packB(n: i32, k: i32, b: usize, ldb: i32, transB: i32, out: usize): void {
  const panels = (n + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const panel = out + <usize>(jp * k * NR * 4);
    let p = 0;
    if (j0 + NR <= n) {
      if (!transB) {
        for (; p < k; p++) {
          const src = b + ((<usize>(p * ldb + j0)) << 2), dst = panel + <usize>(p * NR * 4);
          v128.store(dst, v128.load(src));
          v128.store(dst + 16, v128.load(src + 16));
          v128.store(dst + 32, v128.load(src + 32));
        }
      } else {
        const row = b + (<usize>(j0 * ldb) << 2), step = <usize>ldb << 2;
        for (; p + 4 <= k; p += 4) {
          const dst = panel + <usize>(p * NR * 4);
          for (let q = 0; q < 3; q++) {
            const at = row + (<usize>p << 2) + <usize>(4 * q) * step;
            transpose4(v128.load(at), v128.load(at + step), v128.load(at + 2 * step), v128.load(at + 3 * step), dst + <usize>(16 * q), NR * 4);
          }
        }
      }
    }
    for (; p < k; p++) {
      const dst = panel + <usize>(p * NR * 4);
      for (let c = 0; c < NR; c++) {
        const j = j0 + c;
        let v: f32 = 0;
        if (j < n) v = load<f32>(b + ((<usize>(transB ? j * ldb + p : p * ldb + j)) << 2));
        store<f32>(dst + (<usize>c << 2), v);
      }
    }
  }
}

/** Stores the columns of the 4×4 block with rows r0…r3 at dst, dst + stride, dst + 2·stride, dst + 3·stride. */
// @ts-ignore: decorator
@inline
export function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
  const t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Cache blocking (the GotoBLAS/BLIS loop order): k runs in slices of KC so one packed B panel
 * (KC × NR floats, 12 KB) stays in L1 while the micro-kernel sweeps it, and m in blocks of MC rows so
 * the packed A block (MC × KC floats, 120 KB; MC a multiple of MR) stays in L2 across every column panel.
 */
const KC = 256;
const MC = 120;

/** Bytes of packing space gemm needs for these sizes (one A block, then one k-slice of B). */
export function gemmScratchBytes(m: i32, n: i32, k: i32): i32 {
  const kc = min(k, KC);
  return (min((m + MR - 1) / MR * MR, MC) * kc * 4) + ((n + NR - 1) / NR * kc * NR * 4);
}

/**
 * C (+)= op(A)·op(B), C row-major [m, n] with row stride ldc. `scratch` needs gemmScratchBytes.
 * With `accumulate` the product is added to C, otherwise it replaces it. Each element of C sums
 * its k products in the same order whatever range of rows or columns a call covers, so splitting
 * one product over threads by rows or columns gives bit-identical results.
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: i32,
  b: usize, ldb: i32, transB: i32,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  gemmPrepacked(m, n, k, a, lda, transA, 0, b, ldb, transB, 0, c, ldc, accumulate, scratch);
}

/**
 * gemm where either operand may come already packed whole, so that the chunks of a product split
 * over threads share one packing of it instead of each packing all of it again: with `aPacked`,
 * `a` is op(A) as gemmPackA lays it out, with `bPacked`, `b` is op(B) as gemmPackB lays it out
 * (lda and transA, or ldb and transB, unused). A prepacked operand is whole (every row of A, or
 * every column of B: the chunk splits the other one). Same sums in the same order as gemm.
 */
export function gemmPrepacked(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: i32, aPacked: i32,
  b: usize, ldb: i32, transB: i32, bPacked: i32,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  const pa = scratch;
  const pb = scratch + <usize>(min((m + MR - 1) / MR * MR, MC) * min(k, KC) * 4);
  const colPanels = (n + NR - 1) / NR, allRowPanels = (m + MR - 1) / MR;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    // Column panel jp of this k slice is at bBase + jp·kc·NR·4: in the whole packing, or in the slice packed here.
    let bBase = pb;
    if (bPacked) bBase = b + <usize>(p0 * colPanels * NR * 4);
    else packB(n, kc, b + (<usize>(transB ? p0 : p0 * ldb) << 2), ldb, transB, pb);
    const acc = accumulate || p0 > 0 ? 1 : 0;
    const aStride = <usize>(kc * MR * 4), bStride = <usize>(kc * NR * 4);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      let aBase = pa;
      if (aPacked) aBase = a + <usize>(p0 * allRowPanels * MR * 4) + <usize>(i0 / MR) * aStride;
      else packA(mc, kc, a + (<usize>(transA ? p0 * lda + i0 : i0 * lda + p0) << 2), lda, transA, pa);
      const rowPanels = (mc + MR - 1) / MR;
      const cBlock = c + (<usize>(i0 * ldc) << 2);
      for (let jp = 0; jp < colPanels; jp++) {
        const bp = bBase + <usize>jp * bStride;
        for (let ip = 0; ip < rowPanels; ip++) {
          microKernel(aBase + <usize>ip * aStride, bp, kc, ip * MR, jp * NR, mc, n, cBlock, ldc, acc);
        }
      }
    }
  }
}

/** Bytes of op(A) packed whole for gemmPrepacked: ⌈m/MR⌉ panels of MR rows, over all of k. */
export function packedABytes(m: i32, k: i32): i32 {
  return (m + MR - 1) / MR * k * MR * 4;
}

/** Bytes of op(B) packed whole for gemmPrepacked: ⌈n/NR⌉ panels of NR columns, over all of k. */
export function packedBBytes(n: i32, k: i32): i32 {
  return (n + NR - 1) / NR * k * NR * 4;
}

/**
 * Packs rows i0 … i0 + m − 1 (i0 a multiple of MR) of op(A), whose first row is at `a`, into the
 * whole packing of an op(A) of mAll rows, laid out as gemm packs one k slice at a time: slice by
 * slice ([⌈mAll/MR⌉][kc][MR] each), so that in gemmPrepacked a slice's panels follow each other in
 * memory, as in a slice gemm packs itself: the hardware prefetcher follows a stream, not a jump
 * of a whole k per panel (20 KB at k = 1,024); products split over two threads ran 1.05–1.06× as
 * fast at 512³–1024³ for it. A thread pool kernel: `work` is unused.
 */
export function gemmPackA(m: i32, k: i32, a: usize, lda: i32, transA: i32, out: usize, mAll: i32, i0: i32, work: usize): void {
  const allPanels = (mAll + MR - 1) / MR;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    packA(m, kc, a + (<usize>(transA ? p0 * lda : p0) << 2), lda, transA, out + <usize>(p0 * allPanels * MR * 4) + <usize>((i0 / MR) * kc * MR * 4));
  }
}

/** gemmPackA's counterpart for columns j0 … j0 + n − 1 (j0 a multiple of NR) of an op(B) of nAll columns. */
export function gemmPackB(n: i32, k: i32, b: usize, ldb: i32, transB: i32, out: usize, nAll: i32, j0: i32, work: usize): void {
  const allPanels = (nAll + NR - 1) / NR;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    packB(n, kc, b + (<usize>(transB ? p0 : p0 * ldb) << 2), ldb, transB, out + <usize>(p0 * allPanels * NR * 4) + <usize>((j0 / NR) * kc * NR * 4));
  }
}

/** a·b + c: one fused instruction where relaxed SIMD is compiled in (see scripts/build-kernels.mjs). */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * One 3×12 tile of C from a packed A panel [kc][3] and a packed B panel [kc][12]: nine accumulator
 * chains, one more than the FMA units' latency × throughput (4 cycles × 2) needs. A k step loads
 * B (three vectors) and each row of A as a splat: six loads per nine FMAs and no shuffles. A
 * broadcast from memory is a load alone, where a shuffle takes an FP pipe from the FMAs: the 5×8
 * tile before it (one vector for four rows of A, broadcast by four shuffles per ten FMAs) ran at
 * ~90% of the FMA peak from L1, this one at ~99%. V8 issues all of an iteration's loads before
 * its FMAs, so they must fit in registers with the accumulators: 9 + 3 + 3 = 15, x64's 16 less
 * V8's scratch register (a 4×12 or 6×8 tile of splats needs more, and spills: half speed).
 * Not inlined, and walking its panels by advancing pointers: in a function of its own V8 keeps
 * the loop's few integers in registers (inlined into gemmPrepacked's loop nest it reloaded spilled
 * integers from the stack and recomputed both addresses with a multiply every step).
 */
function microKernel(ap: usize, bp: usize, kc: i32, i: i32, j: i32, m: i32, n: i32, c: usize, ldc: i32, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c22 = f32x4.splat(0);
  const aEnd = ap + <usize>(kc * MR * 4);
  while (ap < aEnd) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16), b2 = v128.load(bp, 32);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21); c22 = madd(a, b2, c22);
    ap += MR * 4;
    bp += NR * 4;
  }
  storeRow(i + 0, j, m, n, c, ldc, accumulate, c00, c01, c02);
  storeRow(i + 1, j, m, n, c, ldc, accumulate, c10, c11, c12);
  storeRow(i + 2, j, m, n, c, ldc, accumulate, c20, c21, c22);
}

/** Writes (or adds) 12 results at C[i, j0…j0+11], clipped to the matrix. */
// @ts-ignore: decorator
@inline
function storeRow(i: i32, j0: i32, m: i32, n: i32, c: usize, ldc: i32, accumulate: i32, v0: v128, v1: v128, v2: v128): void {
  if (i >= m) return;
  const row = c + ((<usize>(i * ldc + j0)) << 2);
  if (j0 + NR <= n) {
    if (accumulate) {
      v0 = f32x4.add(v0, v128.load(row));
      v1 = f32x4.add(v1, v128.load(row + 16));
      v2 = f32x4.add(v2, v128.load(row + 32));
    }
    v128.store(row, v0);
    v128.store(row + 16, v1);
    v128.store(row + 32, v2);
    return;
  }
  for (let t = 0; t < NR && j0 + t < n; t++) {
    const v: f32 = extractLane(t < 4 ? v0 : t < 8 ? v1 : v2, t & 3);
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
