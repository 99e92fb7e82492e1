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
  fill: (s, value) => { host(s).fill(value); },
  copy: (src, dst) => copyHost(host(src), host(dst)),
};

/** dst = src converted to dst's dtype: floats to int32 truncate toward zero. */
export function copyHost(src: TypedArray, dst: HostStorage): void {
  if (dst instanceof Int32Array && !(src instanceof Int32Array)) {
    for (let i = 0; i < dst.length; i++) dst[i] = Math.trunc(src[i]!);
  } else {
    dst.set(src);
  }
}
