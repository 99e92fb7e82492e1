import type { Kernels, Window2d } from '../backend.js';
import * as js from '../js/conv.js';
import type { KernelCall } from './heap.js';
import { windowIn } from './window.js';
import { chunkCount, isF32, split } from './context.js';
import type { WasmContext } from './context.js';

/**
 * The forward kernel's arguments after the geometry: the bias (0: none), ReLU (1/0), and the max
 * pooling window's struct and argmax (both 0: no pooling).
 */
export const forwardArgs = (bias: number, relu: boolean, poolWindow: number, argmax: number): number[] => [bias, +relu, poolWindow, argmax];

/**
 * Runs the forward kernel over the batch, split by examples over the threads, the geometry `g`
 * written once as the kernels' window struct: x [N, …] at `px`, the filter at `pw`, the output in
 * place per example. `extra(n0)`: the kernel's arguments after the geometry for a chunk starting
 * at example n0 (bias, ReLU, pooling); `pooled`: the output is pooled (its workspace holds one
 * example's conv output).
 */
export function runConvForward(ctx: WasmContext, c: KernelCall, px: number, pw: number, out: Float32Array, F: number, g: Window2d, extra: (n0: number) => number[], pooled = false): void {
  const runs = ctx.threads() > 1 ? split(g.N, chunkCount(g.N * F * g.OH * g.OW * g.C * g.KH * g.KW, g.N), 1) : [[0, g.N] as [number, number]];
  const po = c.out(out), window = windowIn(c, g);
  const workBytes = ctx.k.convWorkBytes(F, window, pooled ? 1 : 0);
  const work = Array.from({ length: Math.min(ctx.threads(), runs.length) }, () => c.temp(workBytes));
  const image = g.C * g.H * g.W, outPer = out.length / g.N;
  ctx.run('conv2dForward', runs.map(([n0, count]) => [px + 4 * n0 * image, pw, po + 4 * n0 * outPer, count, F, window, ...extra(n0)]), work);
}

/** conv2d and its gradients on the SIMD kernels (float32; js otherwise). */
export function convKernels(ctx: WasmContext): Pick<Kernels, 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardFilter' | 'conv2dBackward'> {
  return {
    conv2d: (x, w, bias, out, F, g) => {
      if (!isF32(x) || !isF32(w) || !isF32(bias) || !isF32(out)) return js.conv2d(x, w, bias, out, F, g);
      ctx.call((c) => {
        const trailing = forwardArgs(bias ? c.in(bias) : 0, false, 0, 0);
        runConvForward(ctx, c, c.in(x), c.in(w), out, F, g, () => trailing);
      });
    },
    conv2dBackwardInput: (dy, w, dx, F, g) => {
      if (!isF32(dy) || !isF32(w) || !isF32(dx)) return js.conv2dBackwardInput(dy, w, dx, F, g);
      ctx.call((c) => convBackwardFrom(ctx, c, c.in(dy), null, null, w, dx, null, null, F, g));
    },
    conv2dBackwardFilter: (x, dy, dw, F, g) => {
      if (!isF32(x) || !isF32(dy) || !isF32(dw)) return js.conv2dBackwardFilter(x, dy, dw, F, g);
      ctx.call((c) => convBackwardFrom(ctx, c, c.in(dy), null, x, null, null, dw, null, F, g));
    },
    conv2dBackward: (dy, x, w, dx, dw, db, F, g) => {
      if (!isF32(dy) || !isF32(x) || !isF32(w) || !isF32(dx) || !isF32(dw) || !isF32(db)) return js.conv2dBackward(dy, x, w, dx, dw, db, F, g);
      ctx.call((c) => convBackwardFrom(ctx, c, c.in(dy), null, x, w, dx, dw, db, F, g));
    },
  };
}

/** Where the fused op's backward routes dy from: the pooled gradient dz, the pooled output y (0: no ReLU) and argmax, and floats per example of each. */
export interface PooledRoute { dz: number; y: number; argmax: number; perOut: number }

/**
 * conv2d's gradients (each skipped where null; x is read only for dw, w only for dx) in one round
 * of the thread pool (conv2dBackwardRun), from dy at `pdy`, or with `route`, from the pooled
 * gradient routed into `pdy` (scratch) first.
 * The batch is always split into the same runs of examples, whatever the thread count: dw's and
 * db's partial sums per run are added up in run order (sumParts), so results never depend on it.
 */
export function convBackwardFrom(ctx: WasmContext, c: KernelCall, pdy: number, route: PooledRoute | null, x: Float32Array | null, w: Float32Array | null, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, F: number, g: Window2d): void {
  const plane = g.OH * g.OW, image = g.C * g.H * g.W, ckk = g.C * g.KH * g.KW;
  const runs = split(g.N, chunkCount(g.N * F * plane * ckk, g.N), 1);
  const window = windowIn(c, g);
  const workBytes = ctx.k.convWorkBytes(F, window, 0);
  const work = Array.from({ length: Math.min(ctx.threads(), runs.length) }, () => c.temp(workBytes));
  const px = dw ? c.in(x!) : 0, pw = dx ? c.in(w!) : 0, pdx = dx ? c.out(dx) : 0;
  const pdw = dw ? c.temp(runs.length * dw.length * 4) : 0, pdb = db ? c.temp(runs.length * F * 4) : 0;
  const perOut = route?.perOut ?? 0;
  ctx.run('conv2dBackwardRun', runs.map(([n0, count], r) => [
    pdy + 4 * n0 * F * plane, route ? route.dz + 4 * n0 * perOut : 0, route?.y ? route.y + 4 * n0 * perOut : 0, route ? route.argmax + 4 * n0 * perOut : 0, perOut,
    px && px + 4 * n0 * image, pw, pdx && pdx + 4 * n0 * image, pdw && pdw + 4 * r * dw!.length, pdb && pdb + 4 * r * F, count, F, window,
  ]), work);
  if (dw) ctx.k.sumParts(pdw, c.out(dw), dw.length, runs.length);
  if (db) ctx.k.sumParts(pdb, c.out(db), F, runs.length);
}
