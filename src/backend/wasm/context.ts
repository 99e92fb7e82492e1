import type { Storage } from '../../tensor/storage.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { getNumThreads } from '../threads.js';
import { KernelCall, KernelHeap } from './heap.js';
import type { KernelExports } from './kernels.generated.js';
import type { LoadedKernels } from './load.js';
import { ThreadPool } from './thread-pool.js';

// What every family of wasm kernels (matmul.ts, conv.ts, …) works with: the kernels, their
// memory, the thread pool, and how a call is split into chunks for it.

/** The kernels a ThreadPool may run, by index into this list. */
export const POOL_KERNELS = ['gemm', 'gemmPrepacked', 'gemmPackA', 'gemmPackB', 'conv2dForward', 'conv2dBackwardRun', 'adamStepChunk'] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

/** Below this many multiply-adds a kernel call stays on one thread: waking workers would cost more. */
const PARALLEL_MIN_WORK = 1 << 18;
/** Multiply-adds per chunk of a split call (about 10 µs of work): enough chunks to balance threads. */
const CHUNK_WORK = 1 << 17;
/** The most chunks one call is split into: enough to balance the threads of any common machine. */
const MAX_CHUNKS = 16;
/** Below this many elements an operand outside the kernels' memory is not worth copying in for a one-pass kernel. */
const MIN_COPIED = 4096;

export class WasmContext {
  readonly heap: KernelHeap;
  readonly pool: ThreadPool | null;

  constructor(readonly k: KernelExports, loaded: LoadedKernels) {
    const shared = loaded.variant !== 'plain';
    this.heap = new KernelHeap(loaded.memory, k.HEAP_START.value as number, shared);
    this.pool = shared ? new ThreadPool(loaded.module, loaded.memory, [...POOL_KERNELS], POOL_KERNELS.map((name) => k[name])) : null;
  }

  /** Threads a split call may use now. */
  threads(): number {
    return this.pool ? getNumThreads() : 1;
  }

  /** Runs `fn` with a KernelCall over this memory; its scratch is freed and its outputs copied back even if `fn` throws. */
  call<T>(fn: (c: KernelCall) => T): T {
    const c = new KernelCall(this.heap);
    try {
      return fn(c);
    } finally {
      c.finish();
    }
  }

  /** Runs `kernel` once per argument list (each followed by a workspace), on the pool's threads when there is one. */
  run(kernel: PoolKernel, chunks: number[][], work: number[]): void {
    if (this.pool) {
      this.pool.run(POOL_KERNELS.indexOf(kernel), chunks, work, this.threads());
      return;
    }
    const f: (...args: number[]) => void = this.k[kernel];
    for (const args of chunks) f(...args, work[0]!);
  }

  /**
   * Whether a one-pass kernel (ReLU, an optimiser update) on these float32 operands is worth the
   * call: they all live in the kernels' memory, or there are enough elements to repay the copies.
   */
  pays(n: number, operands: readonly (Float32Array | null)[]): boolean {
    return n >= MIN_COPIED || operands.every((x) => this.resident(x));
  }

  /** Whether `x` is float32 and lives in the kernels' memory (kernels use it in place). */
  resident(x: TypedArray | null): boolean {
    return x === null || (x instanceof Float32Array && this.heap.offsetOf(x) >= 0);
  }
}

export const isF32 = (x: Storage | null): x is Float32Array | null => x === null || x instanceof Float32Array;

/**
 * Splits `n` items into at most `chunks` runs whose starts are multiples of `align`: [start, count][].
 * The units of `align` are dealt out evenly, the runs one unit longer first: threads claim runs
 * in order, so the short ones come last and even out the threads' finishing times (512 rows in
 * runs of 35 made 15 runs, 8 of them on one of two threads).
 */
export function split(n: number, chunks: number, align: number): [number, number][] {
  const units = Math.ceil(n / align);
  const count = Math.max(1, Math.min(chunks, units));
  const base = Math.floor(units / count), longer = units % count;
  const out: [number, number][] = [];
  for (let i = 0, unit = 0; i < count; i++) {
    const len = base + (i < longer ? 1 : 0), start = unit * align;
    out.push([start, Math.min(len * align, n - start)]);
    unit += len;
  }
  return out;
}

/** How many chunks a call of `work` multiply-adds is split into (1: not split). Depends on the problem only. */
export const chunkCount = (work: number, most: number): number =>
  work < PARALLEL_MIN_WORK ? 1 : Math.max(1, Math.min(most, MAX_CHUNKS, Math.floor(work / CHUNK_WORK)));
