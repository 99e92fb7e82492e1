import type { MemoryStats } from '../backend.js';
import { ValueError } from '../../errors.js';
import { BYTES_PER_ELEMENT, fmtBytes } from '../../tensor/dtype.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';

// The wasm backend's memory: every float32 and int32 tensor's storage, optimiser state and each
// kernel call's scratch live in the kernels' own WebAssembly.Memory, laid out as
// [kernels' static data | blocks …], so kernels work on storages in place and nothing is copied
// through JavaScript. A storage is a typed-array view of its block.
//
// Blocks are rounded up to 64 bytes and kept, when freed, in bins of their exact size: a training
// loop asks for the same sizes step after step, so after its first step every allocation is a
// reused block (O(1)) and the memory's size stays flat. A block is freed by the autograd release
// (a step's intermediates), at the end of a kernel call (scratch), or, for storages nothing can
// reach any more, by a FinalizationRegistry.
//
// Storages are only handed out on shared memory: growing it leaves existing views valid, where
// growing private memory would detach every view (there, `storage()` returns null and the backend
// keeps tensors in JavaScript arrays, copying them in for each call).

/** Alignment of every block: SIMD loads, and no two blocks share a cache line. */
const ALIGN = 64;
const PAGE = 65536;

/** The fewest elements a storage in this memory has (4 KB of float32). */
export const MIN_RESIDENT = 1024;

const roundUp = (bytes: number): number => Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;

/** A region of the kernels' memory: its byte offset and rounded size. */
interface Block { offset: number; bytes: number }

export class KernelHeap {
  /** The first byte never handed out. */
  private top: number;
  /** Free blocks by size. */
  private readonly bins = new Map<number, number[]>();
  /** The block of each storage handed out and not yet freed. */
  private readonly blocks = new WeakMap<TypedArray, Block>();
  /** Every buffer object this memory has had (growing shared memory makes a new one each time). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<Block>((block) => {
    this.stats.collected++;
    this.forget(block);
  });
  private readonly stats: MemoryStats = { liveStorages: 0, liveBytes: 0, highWaterBytes: 0, released: 0, collected: 0 };

  /** `start`: the first byte after the kernels' static data. */
  constructor(readonly memory: WebAssembly.Memory, start: number, readonly shared: boolean) {
    this.top = Math.ceil(start / ALIGN) * ALIGN;
    this.buffers.add(memory.buffer);
  }

  /** A block of `bytes` (not zeroed); grows the memory as needed. Throws a ValueError when it cannot. */
  alloc(bytes: number): number {
    const size = roundUp(bytes);
    const reuse = this.bins.get(size)?.pop();
    if (reuse !== undefined) return reuse;
    const at = this.top;
    const end = at + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw new ValueError(`wasm backend: the kernels' memory cannot grow to ${fmtBytes(end)} (it holds ${fmtBytes(have)}; WebAssembly allows 2 GB here): use smaller batches, or kiln.setBackend('js')`);
      }
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    this.stats.highWaterBytes = Math.max(this.stats.highWaterBytes, this.memory.buffer.byteLength);
    return at;
  }

  /** Returns a block to its bin. */
  free(offset: number, bytes: number): void {
    const size = roundUp(bytes);
    let bin = this.bins.get(size);
    if (!bin) this.bins.set(size, (bin = []));
    bin.push(offset);
  }

  /**
   * A storage of `n` elements in this memory (zeroed unless `zeroed` is false), or null where it
   * belongs in JavaScript's heap:
   * private memory, a dtype the kernels never read, a memory that cannot grow that far, or a
   * tensor under MIN_RESIDENT elements (there the garbage collector costs less than any
   * bookkeeping, and kernels on it copy only a few hundred bytes).
   */
  storage(dtype: DType, n: number, zeroed = true): TypedArray | null {
    if (!this.shared || dtype === 'float64' || n < MIN_RESIDENT) return null;
    const bytes = n * BYTES_PER_ELEMENT[dtype];
    let offset: number, fresh: boolean;
    try {
      const top = this.top;
      offset = this.alloc(bytes);
      fresh = offset >= top; // never handed out: still the zeros the memory grew with
    } catch {
      return null;
    }
    const view = dtype === 'int32' ? new Int32Array(this.memory.buffer, offset, n) : new Float32Array(this.memory.buffer, offset, n);
    if (zeroed && !fresh) view.fill(0);
    const block = { offset, bytes };
    this.blocks.set(view, block);
    this.registry.register(view, block, view);
    this.stats.liveStorages++;
    this.stats.liveBytes += roundUp(bytes);
    return view;
  }

  /** Frees a storage's block now (the autograd release): false for a storage not in this memory. */
  release(view: TypedArray): boolean {
    const block = this.blocks.get(view);
    if (!block) return false;
    this.blocks.delete(view);
    this.registry.unregister(view);
    this.stats.released++;
    this.forget(block);
    return true;
  }

  private forget(block: Block): void {
    this.stats.liveStorages--;
    this.stats.liveBytes -= roundUp(block.bytes);
    this.free(block.offset, block.bytes);
  }

  /** The byte offset of `x` when it lives in this memory (a storage or a view into one), else -1. */
  offsetOf(x: TypedArray): number {
    return this.buffers.has(x.buffer) ? x.byteOffset : -1;
  }

  memoryStats(): MemoryStats {
    return { ...this.stats, highWaterBytes: Math.max(this.stats.highWaterBytes, this.top) };
  }
}

/**
 * The operands of one kernel call as byte offsets in the kernels' memory: a storage that lives
 * there is used in place; anything else (a JavaScript array) is copied into scratch, and outputs
 * copied back by `finish()`. Scratch is freed by `finish()` too, so a call leaves nothing behind.
 */
export class KernelCall {
  private readonly scratch: Block[] = [];
  private readonly copyBack: [TypedArray, number][] = [];

  constructor(private readonly heap: KernelHeap) {}

  /** A scratch block of `bytes`, freed at `finish()`. */
  temp(bytes: number): number {
    const offset = this.heap.alloc(bytes);
    this.scratch.push({ offset, bytes });
    return offset;
  }

  /** An input's offset: in place, or a scratch copy. */
  in(x: TypedArray): number {
    const at = this.heap.offsetOf(x);
    if (at >= 0) return at;
    const p = this.temp(x.byteLength);
    this.view(x, p).set(x);
    return p;
  }

  /** An output's offset (also read, when `read`): in place, or scratch copied back by `finish()`. */
  out(x: TypedArray, read = false): number {
    const at = this.heap.offsetOf(x);
    if (at >= 0) return at;
    const p = read ? this.in(x) : this.temp(x.byteLength);
    this.copyBack.push([x, p]);
    return p;
  }

  /** Copies outputs that live in JavaScript back from scratch, and frees the scratch. */
  finish(): void {
    for (const [x, p] of this.copyBack) x.set(this.view(x, p));
    for (const b of this.scratch) this.heap.free(b.offset, b.bytes);
  }

  /** A view of `like`'s type over `p` (made now: a private memory's buffer changes as it grows). */
  view(like: TypedArray, p: number, n = like.length): TypedArray {
    const buffer = this.heap.memory.buffer;
    return like instanceof Int32Array ? new Int32Array(buffer, p, n) : new Float32Array(buffer, p, n);
  }

  /** A float64 view of scratch at `p` (8-byte aligned, as every block is). */
  f64(p: number, n: number): Float64Array {
    return new Float64Array(this.heap.memory.buffer, p, n);
  }

  /** An int32 view of scratch at `p`. */
  i32(p: number, n: number): Int32Array {
    return new Int32Array(this.heap.memory.buffer, p, n);
  }
}
