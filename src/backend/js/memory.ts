import type { Backend, MemoryStats } from '../backend.js';
import { allocate, BYTES_PER_ELEMENT } from '../../tensor/dtype.js';
import type { TypedArray } from '../../tensor/dtype.js';

// The js backend's storages are JavaScript typed arrays, freed by the garbage collector; this
// only counts them, so `kiln.memory()` reports the same figures on every backend.

const stats: MemoryStats = { liveStorages: 0, liveBytes: 0, highWaterBytes: 0, released: 0, collected: 0 };
const counted = new WeakSet<TypedArray>();
const registry = new FinalizationRegistry<number>((bytes) => {
  stats.liveStorages--;
  stats.liveBytes -= bytes;
  stats.collected++;
});

export const alloc: Backend['alloc'] = (dtype, n, what) => {
  const s = allocate(dtype, n, what);
  const bytes = n * BYTES_PER_ELEMENT[dtype];
  stats.liveStorages++;
  stats.liveBytes += bytes;
  stats.highWaterBytes = Math.max(stats.highWaterBytes, stats.liveBytes);
  counted.add(s);
  registry.register(s, bytes, s);
  return s;
};

/** The garbage collector frees the array; it just stops being counted as live. */
export const release: Backend['release'] = (s) => {
  if (!counted.has(s)) return;
  counted.delete(s);
  registry.unregister(s);
  stats.liveStorages--;
  stats.liveBytes -= s.byteLength;
  stats.released++;
};

export const memoryStats: Backend['memoryStats'] = () => ({ ...stats });
