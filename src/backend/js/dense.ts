import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { BINARY, UNARY } from './elementwise.js';
import { smallMatmul } from './matmul.js';

// A dense layer and its activation, y = act(x·Wᵀ + b), and its gradients, for layers so small
// (per-sample training: the beans network's 1×1 by 2×1) that calling the matmul, bias and
// activation kernels one by one costs several times their arithmetic. ops/fused.ts runs these on
// CPU storages when m·k·n ≤ SMALL_WORK, where the js matmul kernel itself takes smallMatmul: the
// products below are that function, and the bias, activation and dy·g′ the elementwise kernels'
// own functions, so the values are bit-identical to the kernels called one by one
// (ops/fused.test.ts). Plain functions of typed arrays: they know nothing of tensors.

/** Activations whose derivative is a function of their output, with the binary op computing dy·g′(y). */
export type DenseActivation = Extract<UnaryOp, 'sigmoid' | 'tanh' | 'relu'>;
export type DenseActivationGrad = Extract<BinaryOp, 'sigmoidGrad' | 'tanhGrad' | 'reluGrad'>;

/** y: [m, n] = act(x: [m, k] · wᵀ (w: [n, k]) + bias: [n] (when given)). */
export function denseForward(x: TypedArray, w: TypedArray, bias: TypedArray | null, y: TypedArray, m: number, k: number, n: number, act: DenseActivation): void {
  smallMatmul(x, 0, w, 0, y, 1, m, k, n, false, true);
  if (bias) addRows(y, bias);
  const f = UNARY[act];
  for (let i = 0; i < y.length; i++) y[i] = f(y[i]!);
}

/**
 * The gradients of denseForward from dy: [m, n] and its output y: dz = dy·g′(y) into `dz`, then
 * dx: [m, k] = dz·W, dw: [n, k] = dzᵀ·x and db: [n] = Σ rows of dz (added into a zeroed db). A
 * null output is not computed.
 */
export function denseBackward(
  dy: TypedArray, y: TypedArray, x: TypedArray, w: TypedArray, dz: TypedArray,
  dx: TypedArray | null, dw: TypedArray | null, db: TypedArray | null,
  m: number, k: number, n: number, grad: DenseActivationGrad,
): void {
  const g = BINARY[grad];
  for (let i = 0; i < dz.length; i++) dz[i] = g(dy[i]!, y[i]!);
  if (dx) smallMatmul(dz, 0, w, 0, dx, 1, m, n, k, false, false);
  if (dw) smallMatmul(dz, 0, x, 0, dw, 1, n, m, k, true, false);
  if (db) addRowsInto(dz, db);
}

/** y[r, j] += b[j] for every row r of y: [rows, b.length] (linear's bias, added in place on the CPU). */
export function addRows(y: TypedArray, b: TypedArray): void {
  const n = b.length;
  for (let at = 0; at < y.length; at += n) for (let j = 0; j < n; j++) y[at + j] += b[j]!;
}

/** out[j] += g[r, j] for every row r of g: [rows, out.length] (a bias gradient, summed into a zeroed out). */
export function addRowsInto(g: TypedArray, out: TypedArray): void {
  const n = out.length;
  for (let at = 0; at < g.length; at += n) for (let j = 0; j < n; j++) out[j] += g[at + j]!;
}
