import { backend, backendOf, instantiatedBackends } from '../backend/registry.js';
import { copyHost, fillHost } from '../backend/host.js';
import { ValueError } from '../errors.js';
import { checkAllocation, dtypeOf, newTypedArray } from './dtype.js';
import type { DType, TypedArray } from './dtype.js';

// A tensor's elements live in a storage that its backend made and owns: a typed array for the js
// backend, a typed-array view of the kernels' own memory for wasm (so a chain of wasm kernels never
// copies through JavaScript), a buffer on the GPU for webgpu (a DeviceStorage, out of JavaScript's
// reach: read back with `await backend.read`). Storages are never freed by users: the autograd release
// (autograd/release.ts) hands back a step's intermediates when its graph is consumed, and each
// backend's FinalizationRegistry takes back the rest once nothing can reach them.

/** Set on a storage whose memory was handed back (a flag on the object: cheaper to test than a WeakSet). */
const RELEASED = Symbol('released');

/**
 * A storage outside JavaScript's reach (a GPU buffer): it knows its dtype, its length and the
 * backend that owns it; only that backend's kernels can use it, and only `read` brings it back.
 */
export abstract class DeviceStorage {
  [RELEASED]?: true;
  constructor(readonly dtype: DType, readonly length: number, readonly backendName: string) {}
}

/** A storage JavaScript can read in place: a typed array (js), or a view of the wasm kernels' memory. */
export type HostStorage = TypedArray & { [RELEASED]?: true };

/** The elements of a tensor, in the memory of the backend that allocated them. */
export type Storage = HostStorage | DeviceStorage;

/** Whether `s` can be read in place (a typed array), rather than through its backend. */
export function isHost(s: Storage): s is HostStorage {
  return !(s instanceof DeviceStorage);
}

/**
 * `s` as the typed array it is, for a host kernel or a synchronous read; a storage on a device
 * (GPU) is a ValueError that says how to read it or move it.
 */
export function host(s: Storage): HostStorage {
  if (s instanceof DeviceStorage) refuseDevice(s);
  return s;
}

/** host()'s error, apart so that host() stays small enough to inline into every kernel call. */
function refuseDevice(s: DeviceStorage): never {
  throw new ValueError(`this tensor lives on the ${s.backendName} backend, whose memory cannot be read synchronously or by another backend's kernels; read it with await t.data() (or t.toArrayAsync(), t.itemAsync()), or move it with await t.toBackend('js')`);
}

/** `host(s)`, or null for none (a kernel's optional operand). */
export function optHost(s: Storage | null): HostStorage | null {
  return s === null ? null : host(s);
}

/** `host(s)` for an int32 storage: indices and argmax. */
export function hostInt(s: Storage): Int32Array {
  if (s instanceof Int32Array) return s;
  return refuseIndex(s);
}

function refuseIndex(s: Storage): never {
  if (s instanceof DeviceStorage) refuseDevice(s);
  throw new ValueError(`kiln internal: an index storage must be int32, got ${dtypeOf(s)}`);
}

/** The dtype of a storage's elements. */
export function storageDType(s: Storage): DType {
  return s instanceof DeviceStorage ? s.dtype : dtypeOf(s);
}

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
  // Long-lived storages (parameters, gradients, optimiser state, data moved to a GPU) are never a scope's to release.
  if (depth > 0 && !longLived && n >= b.minReleasable) tracked.push(s);
  return s;
}

/**
 * A typed array for values made in JavaScript (creation, data, initialisers), to become a tensor's
 * storage through `placeHost`: on a CPU backend, a storage of it (no copy later); on a device, a
 * plain array to upload.
 */
export function hostArray(dtype: DType, n: number, what = 'a tensor'): HostStorage {
  if (!backend().onDevice) return host(allocStorage(dtype, n, what));
  checkAllocation(dtype, n, what);
  return newTypedArray(dtype, n, what);
}

/** A storage (of hostArray, or any) in the current backend's memory: itself on a CPU backend, an upload to a device. */
export function placeHost(s: Storage): Storage {
  const b = backend();
  if (!b.onDevice || !isHost(s)) return s;
  const placed = alloc(dtypeOf(s), s.length, 'a tensor', false, false);
  b.write(placed, s);
  return placed;
}

/**
 * An int32 storage for indices that its kernel writes in full (a max pooling's argmax, argmax and
 * argmin), from the current backend; like allocOutput, a reused block is not zeroed first.
 */
export function allocIndexStorage(n: number, what = 'an index tensor'): Storage {
  return alloc('int32', n, what, false, false);
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
export function releaseStorages(storages: readonly Storage[]): void {
  for (let i = 0; i < storages.length; i++) releaseStorage(storages[i]!);
}

/** releaseStorages for one storage, with no array: a storage smaller than any backend hands back is left to the garbage collector at once. */
export function releaseStorage(s: Storage): void {
  if (s.length < releasableFrom || s[RELEASED]) return;
  for (const b of instantiatedBackends()) if (b.release(s)) s[RELEASED] = true;
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

/** A copy of a storage's values, read back by the backend that owns it (a GPU buffer's included). */
export function readStorage(s: Storage): Promise<TypedArray> {
  return isHost(s) ? Promise.resolve(s.slice()) : backendOf(s).read(s);
}

/** Sets every element of `s` to `value`, on its own backend. */
export function fillStorage(s: Storage, value: number): void {
  if (isHost(s)) fillHost(s, value);
  else backendOf(s).fill(s, value);
}

/**
 * dst = src, converted to dst's dtype. Storages of one backend copy there; typed-array values go
 * up to a device storage (`write`); a device storage never comes down synchronously (readStorage).
 */
export function copyStorage(src: Storage, dst: Storage): void {
  if (isHost(dst)) {
    copyHost(host(src), dst);
  } else if (isHost(src)) {
    const owner = backendOf(dst);
    if (storageDType(src) === dst.dtype) {
      owner.write(dst, src);
    } else {
      // Converted on the CPU, then uploaded (a GPU may not hold the source's dtype: float64).
      const converted = newTypedArray(dst.dtype, src.length, 'a converted copy');
      copyHost(src, converted);
      owner.write(dst, converted);
    }
  } else if (src.backendName === dst.backendName) {
    backendOf(dst).copy(src, dst);
  } else {
    throw new ValueError(`cannot copy a tensor of the ${src.backendName} backend into one of the ${dst.backendName} backend directly; read it with await t.data() first`);
  }
}
