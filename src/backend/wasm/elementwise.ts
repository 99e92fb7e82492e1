import type { Kernels } from '../backend.js';
import * as js from '../js/elementwise.js';
import { isContiguous } from '../js/elementwise.js';
import type { WasmContext } from './context.js';

/**
 * ReLU and its backward as branch-free SIMD; every other elementwise function runs the js kernel,
 * which reads and writes the kernels' memory in place just as well.
 */
export function elementwiseKernels(ctx: WasmContext): Pick<Kernels, 'unary' | 'binary'> {
  const { k } = ctx;
  return {
    unary: (op, x, out) => {
      if (op !== 'relu' || !(x instanceof Float32Array) || !(out instanceof Float32Array) || !ctx.pays(x.length, [x, out])) return js.unary(op, x, out);
      ctx.call((c) => k.relu(c.in(x), c.out(out, out === x), x.length));
    },
    binary: (op, a, aStrides, b, bStrides, out, shape) => {
      if (op !== 'reluGrad' || !(a instanceof Float32Array) || !(b instanceof Float32Array) || !(out instanceof Float32Array) || !ctx.pays(out.length, [a, b, out])
        || !isContiguous(aStrides, shape) || !isContiguous(bStrides, shape)) {
        return js.binary(op, a, aStrides, b, bStrides, out, shape);
      }
      ctx.call((c) => k.reluGrad(c.in(a), c.in(b), c.out(out, out === a || out === b), out.length));
    },
  };
}
