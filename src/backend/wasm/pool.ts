import { hostInt } from '../../tensor/storage.js';
import type { Kernels, Window2d } from '../backend.js';
import * as js from '../js/pool.js';
import { isF32 } from './context.js';
import type { WasmContext } from './context.js';
import { windowIn } from './window.js';

/** Max and average pooling on the SIMD kernels (float32; js otherwise). */
export function poolKernels(ctx: WasmContext): Pick<Kernels, 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'> {
  const { k } = ctx;
  const avgPool = (src: Float32Array, dst: Float32Array, g: Window2d, backward: boolean): void => {
    dst.fill(0);
    ctx.call((c) => k.avgPool2d(c.in(src), c.out(dst, true), windowIn(c, g), +backward));
  };
  return {
    maxPool2d: (x, out, argmax, g) => {
      if (!isF32(x) || !isF32(out)) return js.maxPool2d(x, out, argmax, g);
      ctx.call((c) => k.maxPool2d(c.in(x), c.out(out), argmax ? c.out(hostInt(argmax)) : 0, windowIn(c, g)));
    },
    maxPool2dBackward: (dy, argmax, dx) => {
      if (!isF32(dy) || !isF32(dx)) return js.maxPool2dBackward(dy, argmax, dx);
      ctx.call((c) => k.maxPool2dBackward(c.in(dy), c.in(hostInt(argmax)), c.out(dx, true), dy.length));
    },
    avgPool2d: (x, out, g) => (isF32(x) && isF32(out) ? avgPool(x, out, g, false) : js.avgPool2d(x, out, g)),
    avgPool2dBackward: (dy, dx, g) => (isF32(dy) && isF32(dx) ? avgPool(dy, dx, g, true) : js.avgPool2dBackward(dy, dx, g)),
  };
}
