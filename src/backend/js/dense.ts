import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { BINARY, UNARY } from './elementwise.js';

// A dense layer and its activation, y = act(x·Wᵀ + b), and its gradients, for layers so small
// (per-sample training: the beans network's 1×1 by 2×1) that calling the matmul, bias and
// activation kernels one by one costs several times their arithmetic. ops/fused.ts runs these on
// CPU storages when m·k·n ≤ SMALL_WORK, the size up to which the js matmul takes its direct loop:
// the sums and roundings below are that loop's, the bias add's and the activation kernel's, in
// the same order, so the values are bit-identical to the kernels called one by one
// (ops/fused.test.ts). Plain functions of typed arrays: they know nothing of tensors.

/** Activations whose derivative is a function of their output, with the binary op computing dy·g′(y). */
export type DenseActivation = Extract<UnaryOp, 'sigmoid' | 'tanh' | 'relu'>;
export type DenseActivationGrad = Extract<BinaryOp, 'sigmoidGrad' | 'tanhGrad' | 'reluGrad'>;

/**
 * y: [m, n] = act(x: [m, k] · wᵀ (w: [n, k]) + bias: [n] (when given)). As the kernels: each dot
 * product summed in double and rounded once as it is stored (the x·Wᵀ product), the bias added to
 * the stored value, the activation applied to the result.
 */
export function denseForward(x: TypedArray, w: TypedArray, bias: TypedArray | null, y: TypedArray, m: number, k: number, n: number, act: DenseActivation): void {
  const f = UNARY[act];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * w[j * k + p]!;
      const at = i * n + j;
      y[at] = s;
      if (bias) y[at] += bias[j]!;
      y[at] = f(y[at]!);
    }
  }
}

/**
 * The gradients of denseForward from dy: [m, n] and its output y: dz = dy·g′(y) into `dz`, then
 * dx: [m, k] = dz·W and dw: [n, k] = dzᵀ·x (each sum rounded after every term in float32, as the
 * matmul kernel's direct loop does for an untransposed B), and db: [n] = Σ rows of dz, accumulated
 * into a zeroed db. A null output is not computed.
 */
export function denseBackward(
  dy: TypedArray, y: TypedArray, x: TypedArray, w: TypedArray, dz: TypedArray,
  dx: TypedArray | null, dw: TypedArray | null, db: TypedArray | null,
  m: number, k: number, n: number, grad: DenseActivationGrad,
): void {
  const g = BINARY[grad];
  for (let i = 0; i < dz.length; i++) dz[i] = g(dy[i]!, y[i]!);
  if (dx) {
    const round = dx instanceof Float32Array;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < n; p++) {
          const term = dz[i * n + p]! * w[p * k + j]!;
          s = round ? Math.fround(s + term) : s + term;
        }
        dx[i * k + j] = s;
      }
    }
  }
  if (dw) {
    const round = dw instanceof Float32Array;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < m; p++) {
          const term = dz[p * n + i]! * x[p * k + j]!;
          s = round ? Math.fround(s + term) : s + term;
        }
        dw[i * k + j] = s;
      }
    }
  }
  if (db) for (let at = 0; at < dz.length; at += n) for (let j = 0; j < n; j++) db[j] += dz[at + j]!;
}
