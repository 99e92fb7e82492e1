import { describe, expect, it } from 'vitest';
import { KernelCall, KernelHeap } from './heap.js';

const sharedMemory = (): WebAssembly.Memory => new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true });

describe('the wasm kernels\' memory', () => {
  it('hands out zeroed storages in the memory itself, and reuses a released block for the next of its size', () => {
    const heap = new KernelHeap(sharedMemory(), 100, true);
    expect(heap.storage('float32', 1023)).toBeNull(); // under 4 KB: the garbage collector's
    const a = heap.storage('float32', 1024)!;
    expect(a).toBeInstanceOf(Float32Array);
    expect(heap.offsetOf(a)).toBe(128); // after the static data, 64-byte aligned
    expect(heap.offsetOf(a.subarray(2))).toBe(136); // views into a storage are in the memory too
    expect(heap.offsetOf(new Float32Array(10))).toBe(-1);
    a.fill(7);
    heap.release(a);
    heap.release(a); // a second release does nothing
    const b = heap.storage('int32', 1024)!; // the same 4,096 bytes, now int32
    expect(heap.offsetOf(b)).toBe(128);
    expect(b).toBeInstanceOf(Int32Array);
    expect(b.every((v) => v === 0)).toBe(true);
    heap.storage('float32', 2000);
    expect(heap.memoryStats()).toMatchObject({ liveStorages: 2, liveBytes: 4096 + 8000, released: 1 });
    expect(heap.storage('float64', 4096)).toBeNull(); // the kernels read float32 and int32 only
    // an op's output that its kernel writes in full skips the zeroing of a reused block
    b.fill(5);
    heap.release(b);
    expect(heap.storage('int32', 1024, false)![0]).toBe(5);
  });

  it('grows the memory without moving earlier storages (shared memory keeps views valid)', () => {
    const heap = new KernelHeap(sharedMemory(), 0, true);
    const a = heap.storage('float32', 1024)!;
    a.set([1, 2, 3, 4]);
    const big = heap.storage('float32', 100_000)!; // 400 KB: several pages more
    expect(big.length).toBe(100_000);
    expect(Array.from(a.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(heap.offsetOf(a)).toBe(0);
    expect(heap.memoryStats().highWaterBytes).toBeGreaterThanOrEqual(404_096);
  });

  it('says what to do when the memory cannot grow any more, and keeps storages in JavaScript then', () => {
    const heap = new KernelHeap(new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true }), 0, true);
    expect(() => heap.alloc(200_000)).toThrow(/the kernels' memory cannot grow to 200 KB .*use smaller batches, or kiln.setBackend\('js'\)/);
    expect(heap.storage('float32', 50_000)).toBeNull(); // the backend then allocates it in JavaScript
  });

  it('keeps tensors in JavaScript where the memory is private (growing it would detach every view)', () => {
    const heap = new KernelHeap(new WebAssembly.Memory({ initial: 1 }), 0, false);
    expect(heap.storage('float32', 4096)).toBeNull();
  });

  it('a kernel call copies outside operands in and outputs back, and frees its scratch even when the kernel throws', () => {
    const heap = new KernelHeap(sharedMemory(), 0, true);
    const own = heap.storage('float32', 1024)!;
    const outside = Float32Array.from([1, 2, 3, 4]), result = new Float32Array(4);
    const call = new KernelCall(heap);
    expect(call.in(own)).toBe(heap.offsetOf(own)); // in place
    const p = call.in(outside), q = call.out(result);
    // the kernel: ten times each input float, written to the output's place in the memory
    const at = (offset: number) => new Float32Array(heap.memory.buffer, offset, 4);
    at(q).set(at(p).map((v) => v * 10));
    call.finish();
    expect(Array.from(result)).toEqual([10, 20, 30, 40]);
    const top = heap.memoryStats().highWaterBytes;
    const again = new KernelCall(heap); // the same scratch sizes reuse the freed blocks
    again.in(outside);
    again.out(result);
    again.finish();
    expect(heap.memoryStats().highWaterBytes).toBe(top);
  });
});
