import type { Backend } from '../backend.js';
import { newTypedArray } from '../../tensor/dtype.js';
import { isHost } from '../../tensor/storage.js';
import { hostTransfers } from '../host.js';
import { jsKernels } from '../js/index.js';
import { convKernels } from './conv.js';
import { WasmContext } from './context.js';
import { elementwiseKernels } from './elementwise.js';
import { fusedKernels } from './fused.js';
import { MIN_RESIDENT } from './heap.js';
import { loadKernels, loadKernelsAsync } from './load.js';
import type { LoadedKernels } from './load.js';
import { matmulKernel } from './matmul.js';
import { optimKernels } from './optim.js';
import { poolKernels } from './pool.js';
import type { ThreadPool } from './thread-pool.js';

// The wasm backend: AssemblyScript SIMD kernels (kernels/) on storages that live in the kernels'
// own memory (heap.ts), one file per kernel family as in js/. A kernel it does not speed up is
// the js one, which works on the same storages in place; so are float64 and int32 math.
//
// Threads: where shared memory exists (Node.js; browsers on cross-origin-isolated pages) big
// matmuls and convolutions are split into chunks run by a ThreadPool over the same memory.

/** The wasm backend, with a view of its thread pool (null without shared memory), for tests. */
export type WasmBackend = Backend & { threadStats(): ReturnType<ThreadPool['stats']> | null };

/** The wasm backend, or null where WebAssembly SIMD is missing (or cannot compile synchronously here). */
export function createWasmBackend(): WasmBackend | null {
  const loaded = loadKernels();
  return loaded ? wasmBackendOn(loaded) : null;
}

/** createWasmBackend, compiling asynchronously: for a browser page's main thread (see kiln.ready()). */
export async function createWasmBackendAsync(): Promise<WasmBackend | null> {
  const loaded = await loadKernelsAsync();
  return loaded ? wasmBackendOn(loaded) : null;
}

function wasmBackendOn(loaded: LoadedKernels): WasmBackend {
  const ctx = new WasmContext(loaded.k, loaded);
  const { heap, pool } = ctx;
  return {
    name: 'wasm',
    onDevice: false,
    detail: () => `${loaded.variant === 'relaxed' ? 'SIMD + relaxed SIMD' : 'SIMD'}, ${ctx.threads()} thread${ctx.threads() > 1 ? 's' : ''}${pool?.stats().failed ? ' (worker threads failed to start: running on one)' : ''}${heap.shared ? '' : ', tensors in JavaScript memory (no shared memory here)'}`,
    // float32 and int32 storages of 4 KB and more that are asked to be its own in the kernels'
    // memory; the rest (and all of them on private memory) in JavaScript arrays, which kernels
    // copy in when that is worth it.
    alloc: (dtype, n, what, own, zeroed) => (own && n >= MIN_RESIDENT ? heap.storage(dtype, n, zeroed) : null) ?? newTypedArray(dtype, n, what),
    release: (s) => isHost(s) && heap.release(s),
    minReleasable: heap.shared ? MIN_RESIDENT : Infinity,
    memoryStats: () => heap.memoryStats(),
    threadStats: () => pool?.stats() ?? null,
    ...hostTransfers,
    ...jsKernels,
    matmul: matmulKernel(ctx),
    ...convKernels(ctx),
    ...fusedKernels(ctx),
    ...poolKernels(ctx),
    ...elementwiseKernels(ctx),
    ...optimKernels(ctx),
  };
}
