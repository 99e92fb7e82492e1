// Runs one wasm kernel call split into chunks across worker threads that share the kernels'
// WebAssembly.Memory: worker_threads in Node.js, Web Workers in browsers.
//
// A job is a kernel and one argument list per chunk, written into a small shared control block.
// Every thread, the calling one included, claims chunks with compare-and-swap until none are left,
// so a worker that is still starting (or busy elsewhere) only means the others do more chunks.
// Workers spin briefly after a job (the next one usually follows within microseconds during
// training), then sleep in Atomics.wait; they are unref'd, so they never keep a process alive.
//
// Which chunks a call is split into depends only on the problem, never on the thread count, so a
// result is bit-identical whatever the number of threads.

/** Positions of the control block's fields (int32 slots). */
export interface Layout {
  /** Bumped for each job; sleeping workers wait on it. */ gen: number;
  /** The current job's tag (10 bits), written before anything else about the job. */ tag: number;
  /** tag << 20 | next unclaimed chunk. */ claim: number;
  /** Chunks finished; the calling thread waits for it to reach `total`. */ done: number;
  total: number;
  /** Index of the kernel in the name list. */ fn: number;
  /** Arguments per chunk; the last one is the workspace, replaced by each thread's own. */ arity: number;
  /** Workers sleeping in Atomics.wait (so a job only pays for notify when someone sleeps). */ sleeping: number;
  /** Set by a worker whose kernel threw, so the caller throws instead of returning a wrong result. */ failed: number;
  /** Workers that have instantiated the kernels. */ ready: number;
  /** Threads taking part in the current job: a worker being stopped (index ≥ active) claims nothing. */ active: number;
  /** Chunks run by workers since the pool started (so tests can see the workers really work). */ byWorkers: number;
  /** One workspace pointer per thread. */ scratch: number;
  /** Chunk i's arguments start at args + i·arity. */ args: number;
}

export const MAX_THREADS = 64;
export const MAX_CHUNKS = 256;
export const MAX_ARITY = 32;
const LAYOUT: Layout = {
  gen: 0, tag: 1, claim: 2, done: 3, total: 4, fn: 5, arity: 6, sleeping: 7, failed: 8, ready: 9, active: 10, byWorkers: 11,
  scratch: 16, args: 16 + MAX_THREADS,
};
const CONTROL_INTS = LAYOUT.args + MAX_CHUNKS * MAX_ARITY;
/** Atomics.load round trips a worker spins for after a job before it sleeps (about 100 µs). */
const SPIN = 1 << 16;

type KernelFn = (...args: number[]) => unknown;

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  names: string[];
  thread: number;
  layout: Layout;
  spin: number;
}

// The two functions below run inside the workers as source text (see workerSource), so they may
// use nothing from outside themselves but their arguments and each other.

/** Claims and runs chunks of the current job until none are left. Used by every thread. */
export function claimAndRun(ctl: Int32Array, L: Layout, fns: KernelFn[], thread: number): void {
  for (;;) {
    const v = Atomics.load(ctl, L.claim);
    const i = v & 0xfffff;
    const total = Atomics.load(ctl, L.total);
    // `total` belongs to this claim's job only if the job's tag has not moved on meanwhile.
    if (Atomics.load(ctl, L.tag) !== v >>> 20 || i >= total || thread >= Atomics.load(ctl, L.active)) return;
    if (Atomics.compareExchange(ctl, L.claim, v, v + 1) !== v) continue;
    // Holding an unfinished chunk, the job cannot end, so its arguments stay put while we read them.
    const arity = ctl[L.arity]!, at = L.args + i * arity;
    const args: number[] = [];
    for (let a = 0; a < arity - 1; a++) args.push(ctl[at + a]!);
    args.push(ctl[L.scratch + thread]!);
    try {
      fns[ctl[L.fn]!]!(...args);
    } catch {
      Atomics.store(ctl, L.failed, 1);
    }
    if (thread > 0) Atomics.add(ctl, L.byWorkers, 1);
    if (Atomics.add(ctl, L.done, 1) + 1 === total) Atomics.notify(ctl, L.done);
  }
}

/** A worker thread's whole life: instantiate the kernels on the shared memory, then run jobs. */
export function workerMain(init: WorkerInit): void {
  const L = init.layout;
  const abort = (): never => { throw new Error('wasm kernel aborted'); };
  const exports = new WebAssembly.Instance(init.module, { env: { memory: init.memory, abort } }).exports;
  const fns = init.names.map((n) => exports[n] as KernelFn);
  const ctl = new Int32Array(init.control);
  Atomics.add(ctl, L.ready, 1);
  let seen = Atomics.load(ctl, L.gen);
  for (;;) {
    let g = Atomics.load(ctl, L.gen);
    for (let s = 0; g === seen && s < init.spin; s++) g = Atomics.load(ctl, L.gen);
    if (g === seen) {
      Atomics.add(ctl, L.sleeping, 1);
      while ((g = Atomics.load(ctl, L.gen)) === seen) Atomics.wait(ctl, L.gen, seen);
      Atomics.sub(ctl, L.sleeping, 1);
    }
    seen = g;
    claimAndRun(ctl, L, fns, init.thread);
  }
}

interface WorkerHandle { postMessage(message: unknown): void }

/** Starts one worker running workerMain, or returns null where this platform has no workers. */
function spawnWorker(init: WorkerInit, onError: (e: unknown) => void): WorkerHandle | null {
  // claimAndRun keeps its (possibly minified) name, which workerMain's body calls it by; workerMain
  // itself is used as an expression, since a bundler may have renamed it too.
  const source = `${claimAndRun.toString()}\nconst kilnWorkerMain = (${workerMain.toString()});\n`;
  const threads = globalThis.process?.getBuiltinModule?.('node:worker_threads') as typeof import('node:worker_threads') | undefined;
  if (threads) {
    const w = new threads.Worker(`${source}require('node:worker_threads').parentPort.once('message', kilnWorkerMain);`, { eval: true });
    w.on('error', onError);
    w.unref();
    w.postMessage(init);
    return w;
  }
  if (typeof Worker !== 'undefined' && typeof Blob !== 'undefined' && typeof URL?.createObjectURL === 'function') {
    const url = URL.createObjectURL(new Blob([`${source}self.onmessage = (e) => kilnWorkerMain(e.data);`], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onerror = onError;
    w.postMessage(init);
    return w;
  }
  return null;
}

/** A pool of worker threads over one shared WebAssembly.Memory. */
export class ThreadPool {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
  private readonly workers: WorkerHandle[] = [];
  private tag = 0;
  /** False where Atomics.wait may not block (a browser's main thread): the caller spins instead. */
  private canWait = true;
  /** The first error a worker reported, if any: workers are then left out. */
  private broken: unknown = null;

  /**
   * `fns`: the calling thread's own instance of the kernels named `names`, which the workers
   * instantiate from `module` on `memory`.
   */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly names: string[],
    private readonly fns: KernelFn[],
  ) {}

  /**
   * Runs kernel `names[fn]` once per chunk, `chunks[i]` being its arguments but the last (the
   * workspace). `threads`: the configured thread count (the pool keeps threads − 1 workers);
   * `scratch.length` of them take part, thread t using workspace `scratch[t]`.
   */
  run(fn: number, chunks: number[][], scratch: number[], threads: number): void {
    // A worker that failed to start (a browser refusing a blob worker, say) never claims a chunk;
    // from then on this thread runs every chunk itself rather than count on workers.
    if (this.broken) scratch = scratch.slice(0, 1);
    if (chunks.length > MAX_CHUNKS) throw new Error(`kiln internal: ${chunks.length} chunks > ${MAX_CHUNKS}`);
    this.grow(Math.min(threads, MAX_THREADS));
    const L = LAYOUT, ctl = this.ctl;
    const arity = chunks[0]!.length + 1;
    if (arity > MAX_ARITY) throw new Error(`kiln internal: ${arity} kernel arguments > ${MAX_ARITY}`);
    Atomics.store(ctl, L.active, Math.min(scratch.length, MAX_THREADS));
    this.tag = (this.tag + 1) & 0x3ff;
    Atomics.store(ctl, L.tag, this.tag);
    ctl[L.fn] = fn;
    ctl[L.arity] = arity;
    chunks.forEach((args, i) => ctl.set(args, L.args + i * arity));
    scratch.forEach((p, t) => { if (t < MAX_THREADS) ctl[L.scratch + t] = p; });
    Atomics.store(ctl, L.failed, 0);
    Atomics.store(ctl, L.done, 0);
    Atomics.store(ctl, L.total, chunks.length);
    Atomics.store(ctl, L.claim, this.tag << 20);
    if (this.workers.length > 0 && chunks.length > 1 && !this.broken) {
      Atomics.add(ctl, L.gen, 1);
      if (Atomics.load(ctl, L.sleeping) > 0) Atomics.notify(ctl, L.gen);
    }
    claimAndRun(ctl, L, this.fns, 0);
    this.waitDone(chunks.length);
    if (Atomics.load(ctl, L.failed)) throw new Error('kiln: a wasm kernel failed on a worker thread');
  }

  /** Waits for the chunks other threads still hold: spins first, as they finish within microseconds. */
  private waitDone(total: number): void {
    const ctl = this.ctl, L = LAYOUT;
    for (let s = 0; s < SPIN; s++) if (Atomics.load(ctl, L.done) === total) return;
    for (let d = Atomics.load(ctl, L.done); d !== total; d = Atomics.load(ctl, L.done)) {
      if (this.canWait) {
        try {
          Atomics.wait(ctl, L.done, d, 10);
          continue;
        } catch {
          this.canWait = false;
        }
      }
    }
  }

  /**
   * Starts workers until `threads` threads (this one included) can take part. A lower count later
   * leaves the extra workers asleep (they claim nothing), ready if the count rises again.
   */
  private grow(threads: number): void {
    while (this.workers.length < threads - 1) {
      const init: WorkerInit = {
        module: this.module, memory: this.memory, control: this.ctl.buffer as SharedArrayBuffer,
        names: this.names, thread: this.workers.length + 1, layout: LAYOUT, spin: SPIN,
      };
      const w = spawnWorker(init, (e) => { this.broken = e; });
      if (!w) break;
      this.workers.push(w);
    }
  }

  /** What the workers are doing: started, asleep in Atomics.wait, and chunks run so far. */
  stats(): { workers: number; ready: number; sleeping: number; chunksByWorkers: number; failed: boolean } {
    const c = this.ctl, L = LAYOUT;
    return { workers: this.workers.length, ready: Atomics.load(c, L.ready), sleeping: Atomics.load(c, L.sleeping), chunksByWorkers: Atomics.load(c, L.byWorkers), failed: this.broken !== null };
  }
}
