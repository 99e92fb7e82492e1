import { backend, instantiatedBackends } from '../backend/registry.js';
import { checkAllocation } from './dtype.js';
import type { DType, TypedArray } from './dtype.js';

// A tensor's elements live in a storage that its backend made and owns: a typed array for the js
// backend, a typed-array view of the kernels' own memory for wasm (so a chain of wasm kernels never
// copies through JavaScript). Storages are never freed by users: the autograd release
// (autograd/release.ts) hands back a step's intermediates when its graph is consumed, and each
// backend's FinalizationRegistry takes back the rest once nothing can reach them.

/** Set on a storage whose memory was handed back (a flag on the object: cheaper to test than a WeakSet). */
const RELEASED = Symbol('released');

/** The elements of a tensor, in the memory of the backend that allocated them. */
export type Storage = TypedArray & { [RELEASED]?: true };

/**
 * Storages allocated while a tracking scope is open (depth > 0), that their backend can hand back
 * early; each scope owns the tail from where it began (see beginTracking). A plain array and an
 * index, not closures: scopes open several times per training step.
 */
const tracked: Storage[] = [];
let depth = 0;
/** What a scope that allocated nothing releasable returns (most scopes on small tensors). */
const NOTHING: readonly Storage[] = Object.freeze([]);

/**
 * A zeroed storage of `n` elements of `dtype` from the current backend. A size too large to
 * allocate is a ValueError naming `what`, the size and the bytes.
 *
 * Where it lives: in the backend's own memory when a release scope is open (a module's forward, a
 * loss, a backward pass, a step of fit: what it makes is released when its graph is consumed, or
 * returned) or when `longLived` (parameters, gradients, optimiser state). Anything else (data, a
 * user's loose ops) is the garbage collector's, which frees it even in a loop that never yields.
 */
export function allocStorage(dtype: DType, n: number, what = 'a tensor', longLived = false): Storage {
  return alloc(dtype, n, what, longLived, true);
}

/**
 * allocStorage for an op's output that its kernel writes in full: its values are left as they
 * are (a reused block of the backend's memory is not zeroed first, which saves a pass over every
 * activation). Only for kernels that write every element.
 */
export function allocOutput(dtype: DType, n: number): Storage {
  return alloc(dtype, n, 'a tensor', false, false);
}

function alloc(dtype: DType, n: number, what: string, longLived: boolean, zeroed: boolean): Storage {
  checkAllocation(dtype, n, what);
  const b = backend();
  const s = b.alloc(dtype, n, what, longLived || depth > 0, zeroed);
  if (depth > 0 && n >= b.minReleasable) tracked.push(s);
  return s;
}

/** An int32 storage (indices, such as a max pooling's argmax) from the current backend. */
export function allocIndexStorage(n: number, what = 'an index tensor'): Int32Array {
  const s = allocStorage('int32', n, what);
  if (!(s instanceof Int32Array)) throw new Error(`kiln internal: the ${backend().name} backend made an int32 storage that is not an Int32Array`);
  return s;
}

/**
 * The fewest elements of a storage any backend made so far hands back early (registry.ts keeps it):
 * smaller storages are never released, and Tensor.values skips the check for them.
 */
export let releasableFrom = Infinity;

/** Called as each backend starts. */
export function noteReleasableFrom(n: number): void {
  releasableFrom = Math.min(releasableFrom, n);
}

/** Whether `s`'s memory was handed back and reused (its tensors must not be read). */
export function isReleased(s: Storage): boolean {
  return s.length >= releasableFrom && s[RELEASED] === true;
}

/**
 * Hands storages back to the backends that own them, now: their memory is reused by the next
 * allocations. Only for storages nothing else can reach (autograd/release.ts decides); releasing
 * one twice does nothing. A storage no backend takes back (a JavaScript array, which the garbage
 * collector frees) stays readable.
 */
export function releaseStorages(storages: Iterable<Storage>): void {
  const owners = instantiatedBackends();
  for (const s of storages) {
    if (s[RELEASED]) continue;
    for (const b of owners) if (b.release(s)) s[RELEASED] = true;
  }
}

/** Opens a tracking scope: returns its mark, to pass to endTracking. */
export function beginTracking(): number {
  depth++;
  return tracked.length;
}

/**
 * Closes the scope opened at `mark` and returns what was allocated in it (nested scopes included).
 * An `isolated` scope's storages are taken out, so the enclosing scope does not see them; others
 * stay visible to it.
 */
export function endTracking(mark: number, isolated = false): readonly Storage[] {
  depth--;
  if (tracked.length === mark) return NOTHING;
  const made = tracked.slice(mark);
  if (isolated || depth === 0) tracked.length = mark;
  return made;
}

/** Runs `fn` in a tracking scope and returns its result with what it allocated (see endTracking). */
export function trackAllocations<T>(fn: () => T, { isolated = false } = {}): [T, readonly Storage[]] {
  const mark = beginTracking();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endTracking(mark, isolated);
    throw e;
  }
  return [result, endTracking(mark, isolated)];
}
