import { DTypeError, ValueError } from '../../errors.js';
import { BYTES_PER_ELEMENT, fmtBytes } from '../../tensor/dtype.js';
import type { DType } from '../../tensor/dtype.js';
import { DeviceStorage } from '../../tensor/storage.js';
import type { Storage } from '../../tensor/storage.js';
import type { MemoryStats } from '../backend.js';

// The webgpu backend's memory: each storage is a GPU buffer, taken from a pool of freed buffers
// of the same size class when there is one. Buffers come back to the pool when the autograd
// release hands a storage back (release), or when the garbage collector finds a storage no
// tensor can reach (the FinalizationRegistry); so a training loop reuses its buffers from the
// second step on and GPU memory stays flat, with no dispose().

// WebGPU's buffer usage flags (the spec's values; the GPUBufferUsage global is not there in Node.js).
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

/** A tensor's elements in a GPU buffer of the webgpu backend. */
export class GpuStorage extends DeviceStorage {
  constructor(dtype: DType, length: number, readonly buffer: GPUBuffer) {
    super(dtype, length, 'webgpu');
  }
}

/** The bytes a buffer of `bytes` is rounded up to: powers of two up to 1 MB, then multiples of 1 MB (so few sizes recur). */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, bytes);
  if (b <= 1 << 20) return 2 ** Math.ceil(Math.log2(b));
  return Math.ceil(b / (1 << 20)) * (1 << 20);
}

/** A storage's buffer, or a ValueError naming the fix when it is not this backend's. */
export function gpu(s: Storage): GpuStorage {
  if (s instanceof GpuStorage) return s;
  throw new ValueError('webgpu backend: this tensor is not on the GPU (it was made on a CPU backend); move it with await t.toBackend(\'webgpu\'), or create it after await kiln.setBackend(\'webgpu\')');
}

/** GPU buffers of the backend: allocated, pooled by size class, and counted. */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private live = 0;
  private liveBytes = 0;
  private highWater = 0;
  private releasedCount = 0;
  private collectedCount = 0;
  /** Storages handed back (released), so the registry does not hand their buffer back twice. */
  private readonly registry = new FinalizationRegistry<GPUBuffer>((buffer) => {
    this.collectedCount++;
    this.recycle(buffer);
  });

  constructor(private readonly device: GPUDevice) {}

  alloc(dtype: DType, n: number, what: string): GpuStorage {
    if (dtype === 'float64') throw new DTypeError(`webgpu backend: GPUs have no float64; ${what} must be float32 (use .float(), or the js backend for float64)`);
    const bytes = sizeClass(n * BYTES_PER_ELEMENT[dtype]);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new ValueError(`webgpu backend: cannot allocate ${what} of ${n.toLocaleString('en-US')} ${dtype} elements (${fmtBytes(bytes)}): this GPU binds at most ${fmtBytes(this.device.limits.maxStorageBufferBindingSize)} per buffer; use smaller batches`);
    }
    const buffer = this.free.get(bytes)?.pop() ?? this.create(bytes, what);
    this.live++;
    this.liveBytes += bytes;
    this.highWater = Math.max(this.highWater, this.liveBytes);
    const s = new GpuStorage(dtype, n, buffer);
    this.registry.register(s, buffer, s);
    return s;
  }

  private create(bytes: number, what: string): GPUBuffer {
    try {
      return this.device.createBuffer({ size: bytes, usage: STORAGE_USAGE });
    } catch (e) {
      throw new ValueError(`webgpu backend: the GPU refused a buffer of ${fmtBytes(bytes)} for ${what} (${e instanceof Error ? e.message : String(e)}); use smaller batches`);
    }
  }

  /** Takes a storage's buffer back now: later allocations of its size class reuse it. */
  release(s: GpuStorage): boolean {
    if (!this.registry.unregister(s)) return false;
    this.releasedCount++;
    this.recycle(s.buffer);
    return true;
  }

  private recycle(buffer: GPUBuffer): void {
    this.live--;
    this.liveBytes -= buffer.size;
    const list = this.free.get(buffer.size);
    if (list) list.push(buffer);
    else this.free.set(buffer.size, [buffer]);
  }

  stats(): MemoryStats {
    return { liveStorages: this.live, liveBytes: this.liveBytes, highWaterBytes: this.highWater, released: this.releasedCount, collected: this.collectedCount };
  }
}
