import type { Kernels } from '../backend.js';
import { matmul as jsMatmul } from '../js/matmul.js';
import type { KernelCall } from './heap.js';
import { chunkCount, isF32, split } from './context.js';
import type { WasmContext } from './context.js';

/** Below this many multiply-adds a matmul stays in js: the call would cost more than it saves. */
const MIN_MATMUL_WORK = 16 * 1024;
/** The fewest rows (or columns) of C a gemm chunk covers: packing the other operand is then ≤ 1/32 of its work. */
const GEMM_MIN_SPAN = 32;
/** From this many elements (256 KB, past a core's L2 share) the operand every chunk needs is packed once for all. */
const SHARED_PACK_MIN = 1 << 16;

/** A batch of products on the gemm kernel, operands used in place in the kernels' memory. */
export function matmulKernel(ctx: WasmContext): Kernels['matmul'] {
  const { k } = ctx;
  // Chunks start on packed panels: of rows or columns (the micro-kernel's tile height or width).
  const tileRows = k.gemmTileRows(), tileCols = k.gemmTileCols();
  /**
   * C = op(A)·op(B) at byte offsets, split by rows (or columns, when wider than tall) over the
   * threads. Each element's sum runs in the same order whatever the split.
   */
  const gemm = (c: KernelCall, m: number, n: number, k_: number, a: number, lda: number, transA: boolean, b: number, ldb: number, transB: boolean, out: number, ldc: number): void => {
    const byRows = m >= n;
    // Each chunk packs the whole of the other operand, so chunks stay at least GEMM_MIN_SPAN wide.
    // A product's values do not depend on its split, so the count is also made a multiple of the
    // threads where it can be: 3 chunks on 2 threads kept one thread idle a third of the time.
    const threads = ctx.threads();
    const most = chunkCount(m * n * k_, Math.floor((byRows ? m : n) / GEMM_MIN_SPAN));
    const chunks = threads > 1 ? (most > threads ? most - (most % threads) : most) : 1;
    if (chunks === 1) {
      k.gemm(m, n, k_, a, lda, +transA, b, ldb, +transB, out, ldc, 0, c.temp(k.gemmScratchBytes(m, n, k_)));
      return;
    }
    const runs = split(byRows ? m : n, chunks, byRows ? tileRows : tileCols);
    const widest = runs[0]![1];
    const bytes = byRows ? k.gemmScratchBytes(widest, n, k_) : k.gemmScratchBytes(m, widest, k_);
    const work = Array.from({ length: Math.min(threads, runs.length) }, () => c.temp(bytes));
    // Each chunk needs all of the operand it does not split (B when split by rows). A large one is
    // packed once, by all the threads, rather than once per chunk; a small one costs less to pack
    // again than the extra round of the pool.
    if ((byRows ? n : m) * k_ < SHARED_PACK_MIN) {
      ctx.run('gemm', runs.map(([s, len]) => byRows
        ? [len, n, k_, a + 4 * (transA ? s : s * lda), lda, +transA, b, ldb, +transB, out + 4 * s * ldc, ldc, 0]
        : [m, len, k_, a, lda, +transA, b + 4 * (transB ? s * ldb : s), ldb, +transB, out + 4 * s, ldc, 0]), work);
      return;
    }
    const packed = c.temp(byRows ? k.packedBBytes(n, k_) : k.packedABytes(m, k_));
    const packRuns = split(byRows ? n : m, chunks, byRows ? tileCols : tileRows).map(([s, len]) => byRows
      ? [len, k_, b + 4 * (transB ? s * ldb : s), ldb, +transB, packed, n, s]
      : [len, k_, a + 4 * (transA ? s : s * lda), lda, +transA, packed, m, s]);
    ctx.run(byRows ? 'gemmPackB' : 'gemmPackA', packRuns, work);
    const args = runs.map(([s, len]) => byRows
      ? [len, n, k_, a + 4 * (transA ? s : s * lda), lda, +transA, 0, packed, 0, 0, 1, out + 4 * s * ldc, ldc, 0]
      : [m, len, k_, packed, 0, 0, 1, b + 4 * (transB ? s * ldb : s), ldb, +transB, 0, out + 4 * s, ldc, 0]);
    ctx.run('gemmPrepacked', args, work);
  };

  return (a, aStride, b, bStride, out, batch, m, k_, n, transA, transB) => {
    if (m * n * k_ < MIN_MATMUL_WORK || !isF32(a) || !isF32(b) || !isF32(out)) {
      return jsMatmul(a, aStride, b, bStride, out, batch, m, k_, n, transA, transB);
    }
    ctx.call((c) => {
      const pa = c.in(a), pb = c.in(b), po = c.out(out);
      for (let i = 0; i < batch; i++) {
        gemm(c, m, n, k_, pa + 4 * i * aStride, transA ? m : k_, transA, pb + 4 * i * bStride, transB ? k_ : n, transB, po + 4 * i * m * n, n);
      }
    });
  };
}
