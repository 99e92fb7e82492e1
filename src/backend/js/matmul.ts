import type { TypedArray } from '../../tensor/dtype.js';

/**
 * C_b[m, n] = op(A_b)[m, k] · op(B_b)[k, n] for each b < batch. The loops are ordered i-p-j so the
 * innermost loop streams a row of B and a row of C (for the untransposed B), which JS engines
 * keep in cache; the transposed-B case uses a dot product over contiguous rows instead.
 */
export function matmul(
  a: TypedArray, aStride: number, b: TypedArray, bStride: number, out: TypedArray,
  batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean,
): void {
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * aStride;
    const bo = bi * bStride;
    const co = bi * m * n;
    // Element strides of op(A)[i, p] and op(B)[p, j].
    const aRow = transA ? 1 : k, aCol = transA ? m : 1;
    if (!transB) {
      for (let i = 0; i < m; i++) {
        const c = co + i * n;
        for (let j = 0; j < n; j++) out[c + j] = 0;
        for (let p = 0; p < k; p++) {
          const av = a[ao + i * aRow + p * aCol]!;
          if (av === 0) continue;
          const br = bo + p * n;
          for (let j = 0; j < n; j++) out[c + j] += av * b[br + j]!;
        }
      }
    } else {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          const br = bo + j * k;
          for (let p = 0; p < k; p++) s += a[ao + i * aRow + p * aCol]! * b[br + p]!;
          out[co + i * n + j] = s;
        }
      }
    }
  }
}
