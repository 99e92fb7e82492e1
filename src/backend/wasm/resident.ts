// Buffers that live in the kernels' shared memory between calls (optimiser state), so a kernel
// updates them in place instead of copying them in and out every step. They sit below the arena:
// [static data | resident blocks | arena], and the arena starts above the highest block. Users
// never free them: a block returns to the free list when its Float32Array is garbage-collected.
// Only on shared memory: growing it leaves existing views valid (private memory detaches them).

const ALIGN = 16;

export class ResidentHeap {
  /** End of the resident region: where the arena starts. */
  private top: number;
  /** Free blocks [offset, bytes], sorted by offset, neighbours merged. */
  private readonly free: [number, number][] = [];
  private readonly views = new WeakSet<object>();
  private readonly registry = new FinalizationRegistry<[number, number]>((block) => this.release(block));

  /** `onTop` is told each new end of the region (the arena moves its base there). */
  constructor(private readonly memory: WebAssembly.Memory, start: number, private readonly onTop: (top: number) => void) {
    this.top = start;
  }

  /** A zeroed float32 buffer of `n` elements in the kernels' memory. */
  alloc(n: number): Float32Array {
    if (n === 0) return new Float32Array(0);
    const bytes = Math.ceil((n * 4) / ALIGN) * ALIGN;
    let at = -1;
    const i = this.free.findIndex(([, size]) => size >= bytes);
    if (i >= 0) {
      const [offset, size] = this.free[i]!;
      at = offset;
      if (size > bytes) this.free[i] = [offset + bytes, size - bytes];
      else this.free.splice(i, 1);
    } else {
      at = this.top;
      this.setTop(this.top + bytes);
    }
    const view = new Float32Array(this.memory.buffer, at, n);
    view.fill(0);
    this.views.add(view);
    this.registry.register(view, [at, bytes]);
    return view;
  }

  /** Whether `x` is one of this heap's buffers (kernels may then use it in place). */
  has(x: object): x is Float32Array {
    return this.views.has(x);
  }

  /** Bytes in use or free below the arena (for tests). */
  get size(): number { return this.top; }

  private setTop(top: number): void {
    const have = this.memory.buffer.byteLength;
    if (top > have) this.memory.grow(Math.ceil((top - have) / 65536));
    this.top = top;
    this.onTop(top);
  }

  /** Returns a block to the free list, merging it with free neighbours; a free tail lowers the top. */
  private release([at, bytes]: [number, number]): void {
    let i = this.free.findIndex(([offset]) => offset > at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, [at, bytes]);
    const next = this.free[i + 1];
    if (next && at + bytes === next[0]) this.free.splice(i, 2, [at, bytes + next[1]]);
    const prev = this.free[i - 1];
    if (prev && prev[0] + prev[1] === this.free[i]![0]) this.free.splice(i - 1, 2, [prev[0], prev[1] + this.free[i]![1]]);
    const last = this.free[this.free.length - 1];
    if (last && last[0] + last[1] === this.top) {
      this.free.pop();
      this.top = last[0];
      this.onTop(this.top);
    }
  }
}
