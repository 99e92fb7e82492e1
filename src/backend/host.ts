import { host } from '../tensor/storage.js';
import type { HostStorage } from '../tensor/storage.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Backend } from './backend.js';

// What the CPU backends (js, and wasm, whose storages are views of its memory) share: their
// storages are typed arrays, so values move in and out of them by plain copies.

/** Moving values in and out of typed-array storages: plain copies. */
export const hostTransfers: Pick<Backend, 'read' | 'write' | 'fill' | 'copy'> = {
  read: (s) => Promise.resolve(host(s).slice()),
  write: (s, values) => host(s).set(values),
  fill: (s, value) => { fillHost(host(s), value); },
  copy: (src, dst) => copyHost(host(src), host(dst)),
};

/**
 * Below this many elements a copy or fill is a plain loop: the builtins (`set`, `fill`) cost ~30 ns
 * a call whatever the size, three times the loop's cost for the few elements of a small network's
 * parameters, which zeroGrad and backward fill and copy every step.
 */
const SMALL = 32;

/** dst = src converted to dst's dtype: floats to int32 truncate toward zero. */
export function copyHost(src: TypedArray, dst: HostStorage): void {
  if (dst instanceof Int32Array && !(src instanceof Int32Array)) {
    for (let i = 0; i < dst.length; i++) dst[i] = Math.trunc(src[i]!);
  } else if (src.length < SMALL && src.length <= dst.length) {
    for (let i = 0; i < src.length; i++) dst[i] = src[i]!;
  } else {
    dst.set(src);
  }
}

/** Sets every element of `s` to `value`. */
export function fillHost(s: HostStorage, value: number): void {
  if (s.length < SMALL) for (let i = 0; i < s.length; i++) s[i] = value;
  else s.fill(value);
}
