import { hostInt } from '../../tensor/storage.js';
import type { Kernels } from '../backend.js';
import * as js from '../js/fused.js';
import { convBackwardFrom, forwardArgs, runConvForward } from './conv.js';
import { isF32 } from './context.js';
import type { WasmContext } from './context.js';
import { windowIn } from './window.js';

/**
 * maxPool2d(relu(conv2d(·))) in one kernel pass: each example's conv output is pooled while still
 * in cache, and the full-size activation never exists as a tensor (ops/fused.ts).
 */
export function fusedKernels(ctx: WasmContext): Pick<Kernels, 'conv2dReluMaxPool' | 'conv2dReluMaxPoolBackward'> {
  return {
    conv2dReluMaxPool: (x, w, bias, out, argmax, F, g, pg) => {
      if (!isF32(x) || !isF32(w) || !isF32(bias) || !isF32(out)) return js.conv2dReluMaxPool(x, w, bias, out, argmax, F, g, pg);
      ctx.call((c) => {
        const pb = bias ? c.in(bias) : 0, pa = argmax ? c.out(hostInt(argmax)) : 0, perOut = out.length / g.N, pw = windowIn(c, pg);
        runConvForward(ctx, c, c.in(x), c.in(w), out, F, g, (n0) => forwardArgs(pb, true, pw, pa && pa + 4 * n0 * perOut), true);
      });
    },
    conv2dReluMaxPoolBackward: (dy, y, argmax, x, w, dx, dw, db, F, g) => {
      if (!isF32(dy) || !isF32(y) || !isF32(x) || !isF32(w) || !isF32(dx) || !isF32(dw) || !isF32(db)) return js.conv2dReluMaxPoolBackward(dy, y, argmax, x, w, dx, dw, db, F, g);
      ctx.call((c) => {
        // dy routed (where y > 0) to each window's max, into the full conv output's gradient (scratch),
        // run by run of examples, each run's gradients taken from it while it is in cache
        const perOut = dy.length / g.N, full = c.temp(4 * g.N * F * g.OH * g.OW);
        convBackwardFrom(ctx, c, full, { dz: c.in(dy), y: c.in(y), argmax: c.in(hostInt(argmax)), perOut }, x, w, dx, dw, db, F, g);
      });
    },
  };
}
