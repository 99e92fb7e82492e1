import type { Kernels } from '../backend.js';
import { host, hostInt } from '../../tensor/storage.js';
import { allocate, dtypeOf } from '../../tensor/dtype.js';
import { conv2d, conv2dBackward } from './conv.js';
import { unary } from './elementwise.js';
import { maxPool2d } from './pool.js';

// The fused ops' js kernels are their plain compositions: the reference a faster backend's fused
// kernel is held to (ops/fused.test.ts).

/** maxPool2d(relu(conv2d(x, w, bias))), pooled per example so argmax indexes the example's output. */
export const conv2dReluMaxPool: Kernels['conv2dReluMaxPool'] = (x, w, bias, out_, argmax_, F, g, pg) => {
  const out = host(out_), argmax = argmax_ && hostInt(argmax_);
  const y = allocate(dtypeOf(out), g.N * F * g.OH * g.OW);
  conv2d(x, w, bias, y, F, g);
  unary('relu', y, y);
  const perY = F * g.OH * g.OW, perOut = F * pg.OH * pg.OW, one = { ...pg, N: 1 };
  for (let n = 0; n < g.N; n++) {
    maxPool2d(y.subarray(n * perY, (n + 1) * perY), out.subarray(n * perOut, (n + 1) * perOut), argmax && argmax.subarray(n * perOut, (n + 1) * perOut), one);
  }
};

/** Each pooled gradient, where the pooled output is > 0 (ReLU), goes to its window's max; then conv2d's backward. */
export const conv2dReluMaxPoolBackward: Kernels['conv2dReluMaxPoolBackward'] = (dy_, y_, argmax_, x, w, dx, dw, db, F, g) => {
  const dy = host(dy_), y = host(y_), argmax = hostInt(argmax_);
  const perY = F * g.OH * g.OW, perOut = dy.length / g.N;
  const d = allocate(dtypeOf(dy), g.N * perY);
  for (let o = 0; o < dy.length; o++) {
    if (y[o]! > 0) d[Math.floor(o / perOut) * perY + argmax[o]!]! += dy[o]!;
  }
  conv2dBackward(d, x, w, dx, dw, db, F, g);
};
