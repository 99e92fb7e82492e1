import { backend, instantiatedBackends } from '../backend/registry.js';
import { checkAllocation } from './dtype.js';
import type { DType, TypedArray } from './dtype.js';

// A tensor's elements live in a storage that its backend made and owns: a typed array for the js
// backend, a typed-array view of the kernels' own memory for wasm (so a chain of wasm kernels never
// copies through JavaScript). Storages are never freed by users: the autograd release
// (autograd/release.ts) hands back a step's intermediates when its graph is consumed, and each
// backend's FinalizationRegistry takes back the rest once nothing can reach them.

/** The elements of a tensor, in the memory of the backend that allocated them. */
export type Storage = TypedArray;

/** Storages allocated since `trackAllocations` started, so a scope can release what it made. */
let tracked: Storage[] | null = null;

/**
 * A zeroed storage of `n` elements of `dtype` from the current backend. A size too large to
 * allocate is a ValueError naming `what`, the size and the bytes.
 */
export function allocStorage(dtype: DType, n: number, what = 'a tensor'): Storage {
  checkAllocation(dtype, n, what);
  const s = backend().alloc(dtype, n, what);
  if (tracked) tracked.push(s);
  return s;
}

/** An int32 storage (indices, such as a max pooling's argmax) from the current backend. */
export function allocIndexStorage(n: number, what = 'an index tensor'): Int32Array {
  const s = allocStorage('int32', n, what);
  if (!(s instanceof Int32Array)) throw new Error(`kiln internal: the ${backend().name} backend made an int32 storage that is not an Int32Array`);
  return s;
}

/** A storage of the current backend holding a copy of `values`. */
export function storageFrom(values: TypedArray): Storage {
  const s = allocStorage(dtypeOfArray(values), values.length);
  s.set(values);
  return s;
}

function dtypeOfArray(values: TypedArray): DType {
  return values instanceof Float64Array ? 'float64' : values instanceof Int32Array ? 'int32' : 'float32';
}

/** Storages handed back by `releaseStorages`: a tensor over one throws instead of reading reused memory. */
const released = new WeakSet<Storage>();

/** Whether `s` was released (its tensors must not be read). */
export function isReleased(s: Storage): boolean {
  return released.has(s);
}

/**
 * Hands storages back to the backends that own them, now: their memory is reused by the next
 * allocations. Only for storages nothing else can reach (autograd/release.ts decides); releasing
 * one twice does nothing.
 */
export function releaseStorages(storages: Iterable<Storage>): void {
  const owners = instantiatedBackends();
  for (const s of storages) {
    if (released.has(s)) continue;
    released.add(s);
    for (const b of owners) b.release(s);
  }
}

/**
 * Runs `fn` and returns its result with every storage allocated meanwhile (nested calls see only
 * their own, and pass them on to the enclosing call unless `isolated`). Synchronous: nothing else
 * allocates while it runs.
 */
export function trackAllocations<T>(fn: () => T, { isolated = false } = {}): [T, Storage[]] {
  const outer = tracked;
  const mine: Storage[] = [];
  tracked = mine;
  try {
    return [fn(), mine];
  } finally {
    tracked = outer;
    // What an inner scope made is also the outer scope's to account for.
    if (outer && !isolated) for (const s of mine) outer.push(s);
  }
}
