import type { Backend } from '../backend.js';
import { newTypedArray } from '../../tensor/dtype.js';

// The js backend's storages are JavaScript typed arrays, which the garbage collector frees: there
// is nothing to hand back early, and nothing worth the cost of counting (a FinalizationRegistry
// entry per array made the beans demo four times slower).

export const alloc: Backend['alloc'] = (dtype, n, what) => newTypedArray(dtype, n, what);

export const release: Backend['release'] = () => false;

export const memoryStats: Backend['memoryStats'] = () => ({ liveStorages: 0, liveBytes: 0, highWaterBytes: 0, released: 0, collected: 0 });
