import type { Window2d } from '../backend.js';
import type { KernelCall } from './heap.js';

/**
 * Window2d's fields in the order the kernels read them (kernels/window.ts): the conv and pooling
 * kernels take one pointer to these i32s instead of a dozen scalar arguments.
 */
export const WINDOW_FIELDS = ['N', 'C', 'H', 'W', 'KH', 'KW', 'OH', 'OW', 'strideH', 'strideW', 'padH', 'padW', 'dilH', 'dilW'] as const satisfies readonly (keyof Window2d)[];

/** Writes `g` into the call's scratch as the kernels' window struct; returns its address. */
export function windowIn(c: KernelCall, g: Window2d): number {
  const p = c.temp(WINDOW_FIELDS.length * 4);
  const fields = c.i32(p, WINDOW_FIELDS.length);
  WINDOW_FIELDS.forEach((name, i) => { fields[i] = g[name]; });
  return p;
}
