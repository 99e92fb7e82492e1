import type { Kernels } from '../backend.js';
import * as js from '../js/optim.js';
import type { WasmContext } from './context.js';

/**
 * Adam and RMSprop as SIMD kernels updating the parameter and its state in place (they live in
 * the kernels' memory: the optimiser allocates its state like any storage). SGD's one
 * multiply-add per element runs as fast in js.
 */
export function optimKernels(ctx: WasmContext): Pick<Kernels, 'adamStep' | 'rmspropStep'> {
  const { k } = ctx;
  return {
    adamStep: (p, g, m, v, o) => {
      if (!(p instanceof Float32Array) || !(g instanceof Float32Array) || !(m instanceof Float32Array) || !(v instanceof Float32Array) || !ctx.pays(p.length, [p, g, m, v])) {
        return js.adamStep(p, g, m, v, o);
      }
      ctx.call((c) => k.adamStep(c.out(p, true), c.in(g), c.out(m, true), c.out(v, true), p.length, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, +o.decoupled, o.t));
    },
    rmspropStep: (p, g, sq, buf, o) => {
      if (!(p instanceof Float32Array) || !(g instanceof Float32Array) || !(sq instanceof Float32Array) || !(buf === null || buf instanceof Float32Array) || !ctx.pays(p.length, [p, g, sq, buf])) {
        return js.rmspropStep(p, g, sq, buf, o);
      }
      ctx.call((c) => k.rmspropStep(c.out(p, true), c.in(g), c.out(sq, true), buf ? c.out(buf, true) : 0, p.length, o.lr, o.alpha, o.eps, o.momentum, o.weightDecay));
    },
  };
}
