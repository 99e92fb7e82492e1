import type { TypedArray } from '../../tensor/dtype.js';
import type { Backend, Window2d } from '../backend.js';
import { isContiguous } from '../js/elementwise.js';
import { jsBackend } from '../js/index.js';
import { getNumThreads } from '../threads.js';
import { KERNELS_PLAIN_BASE64, KERNELS_RELAXED_BASE64, KERNELS_THREADS_BASE64 } from './kernels.generated.js';
import { ResidentHeap } from './resident.js';
import { ThreadPool } from './thread-pool.js';

// The wasm backend: AssemblyScript SIMD kernels (kernels/) for the hot float32 kernels; every
// other kernel, dtype, or problem too small to repay the copies falls back to js, kernel by kernel.
//
// Memory: operands are copied into one growable WebAssembly.Memory, used as a bump arena that is
// reset at each kernel call (kernels are synchronous, so nothing outlives a call). Users never
// free anything; the arena's size is the largest single call's working set.
//
// Threads: where shared memory exists (Node.js; browsers on cross-origin-isolated pages) the
// memory is shared and big matmuls and convolutions are split into chunks run by a ThreadPool.

interface Kernels {
  HEAP_START: WebAssembly.Global;
  gemmScratchBytes(m: number, n: number, k: number): number;
  gemm(m: number, n: number, k: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  conv2dForward(...args: number[]): void;
  conv2dBackwardInput(...args: number[]): void;
  conv2dBackwardFilter(...args: number[]): void;
  convWorkBytes(C: number, H: number, W: number, F: number, KH: number, KW: number, OH: number, OW: number, ph: number, pw: number, pooled: number): number;
  conv2dRoutePooled(dz: number, y: number, argmax: number, dy: number, N: number, perOut: number, perY: number): void;
  maxPool2d(...args: number[]): void;
  maxPool2dBackward(dy: number, argmax: number, dx: number, count: number): void;
  avgPool2d(...args: number[]): void;
  relu(x: number, out: number, n: number): void;
  reluGrad(g: number, x: number, out: number, n: number): void;
  conv2dBiasGrad(dy: number, db: number, N: number, F: number, plane: number): void;
  adamStep(p: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: number, t: number): void;
  rmspropStep(p: number, g: number, sq: number, buf: number, n: number, lr: number, alpha: number, eps: number, momentum: number, weightDecay: number): void;
}

/** The kernels a ThreadPool may run, by index. */
const POOL_KERNELS = ['gemm', 'conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardFilter'] as const;
const GEMM = 0;

/** Below this many elements an elementwise kernel stays in js: the call and copies would cost more. */
const MIN_ELEMENTWISE = 4096;
/** Below this many multiply-adds a matmul stays in js: copying in and out would cost more. */
const MIN_MATMUL_WORK = 16 * 1024;
/** The most floats one matmul call puts in the arena (64 MB): wide products run in column blocks. */
const ARENA_BUDGET = 16 * 1024 * 1024;
const PAGE = 65536;

class Arena {
  private view: Float32Array;
  private top = 0;
  /** `base`: the first byte after the kernels' static data and the resident buffers (it moves with them). */
  constructor(readonly memory: WebAssembly.Memory, public base: number) {
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

/** Below this many multiply-adds a kernel call stays on one thread: waking workers would cost more. */
const PARALLEL_MIN_WORK = 1 << 18;
/** Multiply-adds per chunk of a split call (about 10 µs of work): enough chunks to balance threads. */
const CHUNK_WORK = 1 << 17;
/** The fewest rows (or columns) of C a gemm chunk covers: packing the other operand is then ≤ 1/32 of its work. */
const GEMM_MIN_SPAN = 32;
/** The most chunks one call is split into: enough to balance the threads of any common machine. */
const MAX_CHUNKS = 16;

interface Loaded {
  k: Kernels;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** 'relaxed' (shared memory + fused multiply-add), 'threads' (shared memory) or 'plain'. */
  variant: string;
}

/** Lets Node.js 20 compile relaxed SIMD (on by default from V8 11.4, i.e. Node.js 22 and browsers). */
function enableRelaxedSimd(bytes: Uint8Array<ArrayBuffer>): void {
  if (WebAssembly.validate(bytes)) return;
  const v8 = globalThis.process?.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
  v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/** The kernel variants to try, best first: shared memory only where this platform has it. */
function variants(): [string, string][] {
  const canShare = typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  return canShare
    ? [['relaxed', KERNELS_RELAXED_BASE64], ['threads', KERNELS_THREADS_BASE64], ['plain', KERNELS_PLAIN_BASE64]]
    : [['plain', KERNELS_PLAIN_BASE64]];
}

/** The memory a variant imports, and the imports object. */
function importsFor(variant: string): [WebAssembly.Memory, WebAssembly.Imports] {
  const memory = new WebAssembly.Memory(variant === 'plain' ? { initial: 32 } : { initial: 32, maximum: 32768, shared: true });
  const abort = (): never => { throw new Error('wasm kernel aborted'); };
  return [memory, { env: { memory, abort } }];
}

/**
 * Instantiates the best kernel variant this platform runs, synchronously: relaxed SIMD on shared
 * memory, else SIMD on shared memory, else SIMD on private memory; null where none compiles (no
 * WebAssembly SIMD, or a browser's main thread, which refuses synchronous compiles over 4 KB: see
 * loadKernelsAsync).
 */
function loadKernels(): Loaded | null {
  for (const [variant, base64] of variants()) {
    try {
      const bytes = decodeBase64(base64);
      if (variant === 'relaxed') enableRelaxedSimd(bytes);
      const module = new WebAssembly.Module(bytes);
      const [memory, imports] = importsFor(variant);
      const k = new WebAssembly.Instance(module, imports).exports as unknown as Kernels;
      return { k, module, memory, variant };
    } catch {
      // This platform lacks a feature of the variant (or refuses to compile it here): try the next.
    }
  }
  return null;
}

/** loadKernels, compiling and instantiating asynchronously (allowed everywhere, a page's main thread included). */
async function loadKernelsAsync(): Promise<Loaded | null> {
  for (const [variant, base64] of variants()) {
    try {
      const bytes = decodeBase64(base64);
      if (variant === 'relaxed') enableRelaxedSimd(bytes);
      const module = await WebAssembly.compile(bytes);
      const [memory, imports] = importsFor(variant);
      const k = (await WebAssembly.instantiate(module, imports)).exports as unknown as Kernels;
      return { k, module, memory, variant };
    } catch {
      // As in loadKernels: try the next variant.
    }
  }
  return null;
}

/** Splits `n` items into at most `chunks` runs whose starts are multiples of `align`: [start, count][]. */
function split(n: number, chunks: number, align: number): [number, number][] {
  const step = Math.max(align, Math.ceil(n / chunks / align) * align);
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += step) out.push([s, Math.min(step, n - s)]);
  return out;
}

/** How many chunks a call of `work` multiply-adds is split into (1: not split). Depends on the problem only. */
const chunkCount = (work: number, most: number): number =>
  work < PARALLEL_MIN_WORK ? 1 : Math.max(1, Math.min(most, MAX_CHUNKS, Math.floor(work / CHUNK_WORK)));

/** The wasm backend, with views of its thread pool (null without shared memory) and resident region, for tests. */
export type WasmBackend = Backend & { threadStats(): ReturnType<ThreadPool['stats']> | null; residentBytes(): number };

/** The wasm backend, or null where WebAssembly SIMD is missing so the caller keeps the js backend. */
export function createWasmBackend(): WasmBackend | null {
  const loaded = loadKernels();
  return loaded ? wasmBackendOn(loaded) : null;
}

/** createWasmBackend, compiling asynchronously: for a browser page's main thread (see kiln.ready()). */
export async function createWasmBackendAsync(): Promise<WasmBackend | null> {
  const loaded = await loadKernelsAsync();
  return loaded ? wasmBackendOn(loaded) : null;
}

/** The backend over instantiated kernels. */
function wasmBackendOn(loaded: Loaded): WasmBackend {
  const { k, module, memory, variant } = loaded;
  const arena = new Arena(memory, k.HEAP_START.value as number);
  // Optimiser state resident in the kernels' memory (shared memory only: see resident.ts).
  const heap = variant === 'plain' ? null : new ResidentHeap(memory, arena.base, (top) => { arena.base = top; });
  const pool = variant === 'plain' ? null : new ThreadPool(module, memory, [...POOL_KERNELS], POOL_KERNELS.map((n) => k[n] as (...a: number[]) => void));
  const threads = (): number => (pool ? getNumThreads() : 1);

  /**
   * C = op(A)·op(B) on operands already in the arena, split by rows (or columns, when wider than
   * tall) over the threads. Each element's sum runs in the same order whatever the split.
   */
  const gemm = (m: number, n: number, k_: number, a: number, lda: number, transA: boolean, b: number, ldb: number, transB: boolean, c: number, ldc: number): void => {
    const byRows = m >= n;
    // Each chunk packs the whole of the other operand, so chunks stay at least GEMM_MIN_SPAN wide.
    const chunks = threads() > 1 ? chunkCount(m * n * k_, Math.floor((byRows ? m : n) / GEMM_MIN_SPAN)) : 1;
    if (chunks === 1) {
      k.gemm(m, n, k_, a, lda, transA ? 1 : 0, b, ldb, transB ? 1 : 0, c, ldc, 0, arena.allocBytes(k.gemmScratchBytes(m, n, k_)));
      return;
    }
    const runs = split(byRows ? m : n, chunks, byRows ? 4 : 8);
    const args = runs.map(([s, len]) => byRows
      ? [len, n, k_, a + 4 * (transA ? s : s * lda), lda, +transA, b, ldb, +transB, c + 4 * s * ldc, ldc, 0]
      : [m, len, k_, a, lda, +transA, b + 4 * (transB ? s * ldb : s), ldb, +transB, c + 4 * s, ldc, 0]);
    const most = runs[0]![1];
    const bytes = byRows ? k.gemmScratchBytes(most, n, k_) : k.gemmScratchBytes(m, most, k_);
    const t = Math.min(threads(), runs.length);
    pool!.run(GEMM, args, Array.from({ length: t }, () => arena.allocBytes(bytes)), threads());
  };

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
        gemm(m, nc, k_, pa, transA ? m : k_, transA, pb, transB ? k_ : nc, transB, pc, nc);
        const c = arena.f32().subarray(pc >> 2, (pc >> 2) + m * nc);
        const o = i * m * n;
        if (nc === n) out.set(c, o);
        else for (let r = 0; r < m; r++) out.set(c.subarray(r * nc, (r + 1) * nc), o + r * n + j0);
      }
    }
  };

  /**
   * Runs conv `kernel` (POOL_KERNELS index) over the batch on operands already in the arena, split
   * by examples over the threads, and copies the result into `out`. p1 is per example [N, …] (x,
   * or dy for the input gradient); p2 is the filter, except for the filter gradient, where it is dy
   * and `out` is the filter's shape. `extra(n0)`: the forward kernel's arguments after the geometry
   * for a chunk starting at example n0 (bias, ReLU, pooling).
   * Filter gradients sum over examples: each chunk of examples writes its own partial sum, added
   * up in chunk order here, and the chunks depend on the problem only, so the sum's rounding does
   * not depend on the thread count.
   */
  const runConv = (kernel: number, p1: number, p2: number, out: Float32Array, F: number, g: Window2d, extra: (n0: number) => number[] = () => [], pooled = false): void => {
    const filterGrad = POOL_KERNELS[kernel] === 'conv2dBackwardFilter';
    const ckk = g.C * g.KH * g.KW, plane = g.OH * g.OW, image = g.C * g.H * g.W;
    const chunks = chunkCount(g.N * F * plane * ckk, g.N);
    const runs = filterGrad || threads() > 1 ? split(g.N, chunks, 1) : [[0, g.N] as [number, number]];
    // Output: per example, or (filter gradient) one [F, CKK] partial sum per run.
    const po = arena.alloc(filterGrad ? runs.length * out.length : out.length);
    const workBytes = k.convWorkBytes(g.C, g.H, g.W, F, g.KH, g.KW, g.OH, g.OW, g.padH, g.padW, pooled ? 1 : 0);
    const t = Math.min(threads(), runs.length);
    const work = Array.from({ length: t }, () => arena.allocBytes(workBytes));
    // Floats per example of p1, of p2 (only dy, for the filter gradient) and of the output.
    const firstPer = POOL_KERNELS[kernel] === 'conv2dBackwardInput' ? F * plane : image;
    const secondPer = filterGrad ? F * plane : 0, outPer = filterGrad ? 0 : out.length / g.N;
    const geometry = [g.C, g.H, g.W, F, g.KH, g.KW, g.OH, g.OW, g.strideH, g.strideW, g.padH, g.padW, g.dilH, g.dilW];
    const args = runs.map(([n0, count], r) => [
      p1 + 4 * n0 * firstPer, p2 + 4 * n0 * secondPer, filterGrad ? po + 4 * r * out.length : po + 4 * n0 * outPer, count, ...geometry, ...extra(n0),
    ]);
    if (pool) pool.run(kernel, args, work, threads());
    else for (const a of args) (k[POOL_KERNELS[kernel]!] as (...x: number[]) => void)(...a, work[0]!);
    const result = arena.f32();
    out.set(result.subarray(po >> 2, (po >> 2) + out.length));
    for (let r = 1; filterGrad && r < runs.length; r++) {
      const part = result.subarray((po >> 2) + r * out.length, (po >> 2) + (r + 1) * out.length);
      for (let i = 0; i < out.length; i++) out[i]! += part[i]!;
    }
  };

  const conv2d: Backend['conv2d'] = (x, w, bias, out, F, g, relu, pool) => {
    if (!f32(x) || !f32(w) || !f32(out) || (bias && !f32(bias))) return jsBackend.conv2d(x, w, bias, out, F, g, relu, pool);
    arena.reset();
    const px = arena.copyIn(x), pw = arena.copyIn(w), pb = bias ? arena.copyIn(bias as Float32Array) : 0;
    // Pooling: its window, and argmax (one int per pooled value) written in the arena, then copied out.
    const pg = pool?.g, pa = pool ? arena.alloc(out.length) : 0, perOut = out.length / g.N;
    const poolArgs = (n0: number): number[] => (pg ? [pg.KH, pg.KW, pg.strideH, pg.strideW, pg.OH, pg.OW, pa + 4 * n0 * perOut] : [0, 0, 0, 0, 0, 0, 0]);
    runConv(1, px, pw, out, F, g, (n0) => [pb, relu ? 1 : 0, ...poolArgs(n0)], pool != null);
    pool?.argmax.set(new Int32Array(arena.memory.buffer, pa, out.length));
  };
  /** One conv backward kernel on copies of its two operands. */
  const convBackward = (kernel: number, first: TypedArray, second: TypedArray, out: TypedArray, F: number, g: Window2d): boolean => {
    if (!f32(first) || !f32(second) || !f32(out)) return false;
    arena.reset();
    const p1 = arena.copyIn(first), p2 = arena.copyIn(second);
    runConv(kernel, p1, p2, out, F, g);
    return true;
  };
  /** All the wanted conv gradients with one copy of dy, masked (ReLU) and summed (bias) in wasm. */
  const conv2dBackward: Backend['conv2dBackward'] = (dy, x, w, y, dx, dw, db, F, g, pool) => {
    if (![dy, x, w, y, dx, dw, db].every((a) => a === null || f32(a))) return jsBackend.conv2dBackward(dy, x, w, y, dx, dw, db, F, g, pool);
    arena.reset();
    let pdy = arena.copyIn(dy as Float32Array);
    if (pool) {
      // dy is the pooled gradient: routed (and masked) into the full one, all in the arena
      const pa = arena.alloc(pool.argmax.length);
      new Int32Array(arena.memory.buffer, pa, pool.argmax.length).set(pool.argmax);
      const py = y ? arena.copyIn(y as Float32Array) : 0, perY = F * g.OH * g.OW, full = arena.alloc(g.N * perY);
      k.conv2dRoutePooled(pdy, py, pa, full, g.N, dy.length / g.N, perY);
      pdy = full;
    } else if (y) {
      k.reluGrad(pdy, arena.copyIn(y as Float32Array), pdy, dy.length);
    }
    if (db) {
      const pdb = arena.alloc(F);
      k.conv2dBiasGrad(pdy, pdb, g.N, F, g.OH * g.OW);
      db.set(arena.f32().subarray(pdb >> 2, (pdb >> 2) + F));
    }
    if (dx) runConv(2, pdy, arena.copyIn(w as Float32Array), dx as Float32Array, F, g);
    if (dw) runConv(3, arena.copyIn(x as Float32Array), pdy, dw as Float32Array, F, g);
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

  // ReLU and its backward: branch-free SIMD, worth the copies on anything but tiny tensors.
  const unary: Backend['unary'] = (op, x, out) => {
    if (op !== 'relu' || !f32(x) || !f32(out) || x.length < MIN_ELEMENTWISE) return jsBackend.unary(op, x, out);
    arena.reset();
    const px = arena.copyIn(x), po = arena.alloc(out.length);
    k.relu(px, po, x.length);
    out.set(arena.f32().subarray(po >> 2, (po >> 2) + out.length));
  };
  const binary: Backend['binary'] = (op, a, aStrides, b, bStrides, out, shape) => {
    if (op !== 'reluGrad' || !f32(a) || !f32(b) || !f32(out) || out.length < MIN_ELEMENTWISE || !isContiguous(aStrides, shape) || !isContiguous(bStrides, shape)) {
      return jsBackend.binary(op, a, aStrides, b, bStrides, out, shape);
    }
    arena.reset();
    const pa = arena.copyIn(a), pb = arena.copyIn(b), po = arena.alloc(out.length);
    k.reluGrad(pa, pb, po, out.length);
    out.set(arena.f32().subarray(po >> 2, (po >> 2) + out.length));
  };

  // Adam and RMSprop on resident state buffers: only the parameters and gradients are copied in
  // (and the parameters out), and the update runs in SIMD.
  const onResident = (p: TypedArray, g: TypedArray, ...state: (TypedArray | null)[]): p is Float32Array =>
    heap !== null && f32(p) && f32(g) && p.length >= MIN_ELEMENTWISE && state.every((s) => s === null || heap.has(s));
  /** Copies p and g in, runs `update(p, g)` on their offsets, copies p back. */
  const inPlace = (p: Float32Array, g: Float32Array, update: (pp: number, pg: number) => void): void => {
    arena.reset();
    const pp = arena.copyIn(p), pg = arena.copyIn(g);
    update(pp, pg);
    p.set(arena.f32().subarray(pp >> 2, (pp >> 2) + p.length));
  };
  const adamStep: Backend['adamStep'] = (p, g, m, v, o) => {
    if (!onResident(p, g, m, v)) return jsBackend.adamStep(p, g, m, v, o);
    inPlace(p, g as Float32Array, (pp, pg) => k.adamStep(pp, pg, m.byteOffset, v.byteOffset, p.length, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled ? 1 : 0, o.t));
  };
  const rmspropStep: Backend['rmspropStep'] = (p, g, sq, buf, o) => {
    if (!onResident(p, g, sq, buf)) return jsBackend.rmspropStep(p, g, sq, buf, o);
    inPlace(p, g as Float32Array, (pp, pg) => k.rmspropStep(pp, pg, sq.byteOffset, buf ? buf.byteOffset : 0, p.length, o.lr, o.alpha, o.eps, o.momentum, o.weightDecay));
  };

  return {
    ...jsBackend,
    ...(heap ? { allocState: (n: number) => heap.alloc(n) } : {}),
    adamStep,
    rmspropStep,
    unary,
    binary,
    name: 'wasm',
    threadStats: () => pool?.stats() ?? null,
    residentBytes: () => heap?.size ?? 0,
    detail: () => `${variant === 'relaxed' ? 'SIMD + relaxed SIMD' : 'SIMD'}, ${threads()} thread${threads() > 1 ? 's' : ''}${pool?.stats().failed ? ' (worker threads failed to start: running on one)' : ''}`,
    maxPool2d,
    maxPool2dBackward,
    avgPool2d: (x, out, g) => (f32(x) && f32(out) ? avgPool(x, out, g, false) : jsBackend.avgPool2d(x, out, g)),
    avgPool2dBackward: (dy, dx, g) => (f32(dy) && f32(dx) ? avgPool(dy, dx, g, true) : jsBackend.avgPool2dBackward(dy, dx, g)),
    matmul,
    conv2d,
    conv2dBackwardInput: (dy, w, dx, F, g) => void (convBackward(2, dy, w, dx, F, g) || jsBackend.conv2dBackwardInput(dy, w, dx, F, g)),
    conv2dBackwardFilter: (x, dy, dw, F, g) => void (convBackward(3, x, dy, dw, F, g) || jsBackend.conv2dBackwardFilter(x, dy, dw, F, g)),
    conv2dBackward,
  };
}
