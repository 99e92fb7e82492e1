import type { TypedArray } from '../../tensor/dtype.js';
import type { Backend, Window2d } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { KERNELS_WASM_BASE64 } from './kernels.generated.js';

// The wasm backend: AssemblyScript SIMD kernels (kernels/) for the hot float32 kernels; every
// other kernel, dtype, or problem too small to repay the copies falls back to js, kernel by kernel.
//
// Memory: operands are copied into one growable WebAssembly.Memory, used as a bump arena that is
// reset at each kernel call (kernels are synchronous, so nothing outlives a call). Users never
// free anything; the arena's size is the largest single call's working set.

interface Kernels {
  HEAP_START: WebAssembly.Global;
  gemmScratchBytes(m: number, n: number, k: number): number;
  gemm(m: number, n: number, k: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  conv2dForward(...args: number[]): void;
  conv2dBackwardInput(...args: number[]): void;
  conv2dBackwardFilter(...args: number[]): void;
  maxPool2d(...args: number[]): void;
  maxPool2dBackward(dy: number, argmax: number, dx: number, count: number): void;
  avgPool2d(...args: number[]): void;
}

/** Below this many multiply-adds a matmul stays in js: copying in and out would cost more. */
const MIN_MATMUL_WORK = 16 * 1024;
/** The most floats one matmul call puts in the arena (64 MB): wide products run in column blocks. */
const ARENA_BUDGET = 16 * 1024 * 1024;
const PAGE = 65536;

class Arena {
  private view: Float32Array;
  private top = 0;
  /** `base`: the first byte after the kernels' own static data. */
  constructor(readonly memory: WebAssembly.Memory, private readonly base: number) {
    this.view = new Float32Array(memory.buffer);
  }

  /** Starts a call: everything allocated by the previous call is free again. */
  reset(): void { this.top = this.base; }

  /** `floats` float32s (16-byte aligned); returns the byte offset. Grows memory as needed. */
  alloc(floats: number): number {
    const at = (this.top + 15) & ~15;
    this.top = at + floats * 4;
    if (this.top > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((this.top - this.memory.buffer.byteLength) / PAGE));
    }
    return at;
  }

  allocBytes(bytes: number): number { return this.alloc(Math.ceil(bytes / 4)); }

  /** Allocates and copies `src` in. */
  copyIn(src: Float32Array): number {
    const at = this.alloc(src.length);
    this.f32().set(src, at >> 2);
    return at;
  }

  /** The current float32 view (re-made after memory grows). */
  f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const f32 = (x: TypedArray): x is Float32Array => x instanceof Float32Array;

/**
 * Instantiates the kernels, or returns null where WebAssembly SIMD is missing (the module then
 * fails to compile) so the caller keeps the js backend.
 */
export function createWasmBackend(): Backend | null {
  let k: Kernels;
  let arena: Arena;
  try {
    const module = new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
    const memory = new WebAssembly.Memory({ initial: 32 });
    const abort = (): never => { throw new Error('wasm kernel aborted'); };
    k = new WebAssembly.Instance(module, { env: { memory, abort } }).exports as unknown as Kernels;
    arena = new Arena(memory, k.HEAP_START.value as number);
  } catch {
    return null;
  }

  /**
   * Products wider than the arena budget run in blocks of columns: each block copies only its
   * slice of B (rows of B when transposed, row segments otherwise) and writes its columns of C.
   */
  const matmul: Backend['matmul'] = (a, aStride, b, bStride, out, batch, m, k_, n, transA, transB) => {
    const perColumn = 2 * k_ + m + 8; // B block, its packed copy, C block, padding
    if (!f32(a) || !f32(b) || !f32(out) || m * n * k_ < MIN_MATMUL_WORK || 2 * m * k_ + perColumn * 8 > ARENA_BUDGET) {
      return jsBackend.matmul(a, aStride, b, bStride, out, batch, m, k_, n, transA, transB);
    }
    const block = Math.min(n, Math.max(8, Math.floor((ARENA_BUDGET - 2 * m * k_) / perColumn / 8) * 8));
    for (let i = 0; i < batch; i++) {
      const aMat = a.subarray(i * aStride, i * aStride + m * k_);
      const bMat = b.subarray(i * bStride, i * bStride + k_ * n);
      for (let j0 = 0; j0 < n; j0 += block) {
        const nc = Math.min(block, n - j0);
        arena.reset();
        const pa = arena.copyIn(aMat);
        const pb = arena.alloc(k_ * nc);
        const view = arena.f32();
        if (transB) view.set(bMat.subarray(j0 * k_, (j0 + nc) * k_), pb >> 2);               // rows j0… of B: [nc, k]
        else for (let p = 0; p < k_; p++) view.set(bMat.subarray(p * n + j0, p * n + j0 + nc), (pb >> 2) + p * nc);
        const pc = arena.alloc(m * nc);
        const scratch = arena.allocBytes(k.gemmScratchBytes(m, nc, k_));
        k.gemm(m, nc, k_, pa, transA ? m : k_, transA ? 1 : 0, pb, transB ? k_ : nc, transB ? 1 : 0, pc, nc, 0, scratch);
        const c = arena.f32().subarray(pc >> 2, (pc >> 2) + m * nc);
        const o = i * m * n;
        if (nc === n) out.set(c, o);
        else for (let r = 0; r < m; r++) out.set(c.subarray(r * nc, (r + 1) * nc), o + r * n + j0);
      }
    }
  };

  /** Copies the conv operands in, runs `kernel`, copies `outLength` floats back into `out`. */
  const conv = (kernel: (...args: number[]) => void, first: Float32Array, second: Float32Array, out: Float32Array, F: number, g: Window2d): void => {
    arena.reset();
    const p1 = arena.copyIn(first);
    const p2 = arena.copyIn(second);
    const po = arena.alloc(out.length);
    const ckk = g.C * g.KH * g.KW, plane = g.OH * g.OW;
    const cols = arena.alloc(ckk * plane);
    const scratch = arena.allocBytes(Math.max(k.gemmScratchBytes(F, plane, ckk), k.gemmScratchBytes(ckk, plane, F), k.gemmScratchBytes(F, ckk, plane)));
    kernel(p1, p2, po, g.N, g.C, g.H, g.W, F, g.KH, g.KW, g.OH, g.OW, g.strideH, g.strideW, g.padH, g.padW, g.dilH, g.dilW, cols, scratch);
    out.set(arena.f32().subarray(po >> 2, (po >> 2) + out.length));
  };

  // Pooling: one pass over the data, so only worth the copies on whole batches of images.
  const poolGeometry = (g: Window2d): number[] => [g.N * g.C, g.H, g.W, g.KH, g.KW, g.OH, g.OW, g.strideH, g.strideW, g.padH, g.padW];
  const maxPool2d: Backend['maxPool2d'] = (x, out, argmax, g) => {
    if (!f32(x) || !f32(out)) return jsBackend.maxPool2d(x, out, argmax, g);
    arena.reset();
    const px = arena.copyIn(x), po = arena.alloc(out.length), pi = arena.alloc(out.length);
    k.maxPool2d(px, po, pi, ...poolGeometry(g), g.dilH, g.dilW);
    out.set(arena.f32().subarray(po >> 2, (po >> 2) + out.length));
    argmax.set(new Int32Array(arena.memory.buffer, pi, out.length));
  };
  const maxPool2dBackward: Backend['maxPool2dBackward'] = (dy, argmax, dx) => {
    if (!f32(dy) || !f32(dx)) return jsBackend.maxPool2dBackward(dy, argmax, dx);
    arena.reset();
    const pdy = arena.copyIn(dy), pi = arena.alloc(argmax.length), pdx = arena.copyIn(dx);
    new Int32Array(arena.memory.buffer, pi, argmax.length).set(argmax);
    k.maxPool2dBackward(pdy, pi, pdx, dy.length);
    dx.set(arena.f32().subarray(pdx >> 2, (pdx >> 2) + dx.length));
  };
  const avgPool = (src: Float32Array, dst: Float32Array, g: Window2d, backward: boolean): void => {
    arena.reset();
    const ps = arena.copyIn(src), pd = arena.alloc(dst.length);
    arena.f32().fill(0, pd >> 2, (pd >> 2) + dst.length);
    k.avgPool2d(ps, pd, ...poolGeometry(g), backward ? 1 : 0);
    dst.set(arena.f32().subarray(pd >> 2, (pd >> 2) + dst.length));
  };

  return {
    ...jsBackend,
    name: 'wasm',
    maxPool2d,
    maxPool2dBackward,
    avgPool2d: (x, out, g) => (f32(x) && f32(out) ? avgPool(x, out, g, false) : jsBackend.avgPool2d(x, out, g)),
    avgPool2dBackward: (dy, dx, g) => (f32(dy) && f32(dx) ? avgPool(dy, dx, g, true) : jsBackend.avgPool2dBackward(dy, dx, g)),
    matmul,
    conv2d: (x, w, out, F, g) => (f32(x) && f32(w) && f32(out) ? conv(k.conv2dForward, x, w, out, F, g) : jsBackend.conv2d(x, w, out, F, g)),
    conv2dBackwardInput: (dy, w, dx, F, g) => (f32(dy) && f32(w) && f32(dx) ? conv(k.conv2dBackwardInput, dy, w, dx, F, g) : jsBackend.conv2dBackwardInput(dy, w, dx, F, g)),
    conv2dBackwardFilter: (x, dy, dw, F, g) => (f32(x) && f32(dy) && f32(dw) ? conv(k.conv2dBackwardFilter, x, dy, dw, F, g) : jsBackend.conv2dBackwardFilter(x, dy, dw, F, g)),
  };
}
