import type { Kernels } from '../backend.js';
import * as js from '../js/optim.js';
import { chunkCount, split } from './context.js';
import type { WasmContext } from './context.js';

/**
 * Adam's work per element in chunkCount's multiply-adds: about ten operations, a square root and
 * a division among them. A layer of 100,000 weights (the MLP's first) is then split in six.
 */
const ADAM_WORK = 8;

/**
 * Adam and RMSprop as SIMD kernels updating the parameter and its state in place (they live in
 * the kernels' memory: the optimiser allocates its state like any storage); Adam on a large
 * parameter split over the threads. SGD's one multiply-add per element runs as fast in js.
 */
export function optimKernels(ctx: WasmContext): Pick<Kernels, 'adamStep' | 'rmspropStep'> {
  const { k } = ctx;
  return {
    adamStep: (p, g, m, v, o) => {
      if (!(p instanceof Float32Array) || !(g instanceof Float32Array) || !(m instanceof Float32Array) || !(v instanceof Float32Array) || !ctx.pays(p.length, [p, g, m, v])) {
        return js.adamStep(p, g, m, v, o);
      }
      ctx.call((c) => {
        const pp = c.out(p, true), gp = c.in(g), mp = c.out(m, true), vp = c.out(v, true), n = p.length;
        const chunks = ctx.threads() > 1 ? chunkCount(n * ADAM_WORK, ctx.threads() * 4) : 1;
        if (chunks === 1) {
          k.adamStep(pp, gp, mp, vp, n, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, +o.decoupled, o.t);
          return;
        }
        // Elementwise: any split gives the same values. The hyperparameters go by memory, as f64s.
        const hyper = c.temp(56);
        c.f64(hyper, 7).set([o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, +o.decoupled, o.t]);
        const runs = split(n, chunks, 4);
        ctx.run('adamStepChunk', runs.map(([s, len]) => [pp + 4 * s, gp + 4 * s, mp + 4 * s, vp + 4 * s, len, hyper]), new Array<number>(Math.min(ctx.threads(), runs.length)).fill(0));
      });
    },
    rmspropStep: (p, g, sq, buf, o) => {
      if (!(p instanceof Float32Array) || !(g instanceof Float32Array) || !(sq instanceof Float32Array) || !(buf === null || buf instanceof Float32Array) || !ctx.pays(p.length, [p, g, sq, buf])) {
        return js.rmspropStep(p, g, sq, buf, o);
      }
      ctx.call((c) => k.rmspropStep(c.out(p, true), c.in(g), c.out(sq, true), buf ? c.out(buf, true) : 0, p.length, o.lr, o.alpha, o.eps, o.momentum, o.weightDecay));
    },
  };
}
