import { ValueError } from '../errors.js';
import { DeviceStorage, noteReleasableFrom } from '../tensor/storage.js';
import type { Storage } from '../tensor/storage.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { createWasmBackend, createWasmBackendAsync } from './wasm/index.js';

// Which backend runs the kernels. Nothing starts on import: the wasm kernels compile on the first
// op (synchronously, in Node.js and workers) or in `await kiln.ready()` (a page's main thread,
// which refuses synchronous compiles of that size).

/** Backends made so far, by name, and as a list (read on every release). */
const made = new Map<string, Backend>([['js', jsBackend]]);
let madeList: Backend[] = [jsBackend];
/** Backends registered by name, made on first use: sync (may return null where it cannot start here), async. */
const factories = new Map<string, { sync: () => Backend | null; async: () => Promise<Backend | null>; listedOnceStarted?: boolean }>([
  ['wasm', { sync: createWasmBackend, async: createWasmBackendAsync }],
  // The GPU starts only asynchronously (adapter and device are promises), and its code loads only
  // then; it throws a ValueError saying why it cannot start.
  ['webgpu', { sync: () => null, async: () => import('./webgpu/index.js').then((m) => m.createWebgpuBackend()), listedOnceStarted: true }],
]);
/** Factories that returned null synchronously (a page's main thread): only the async one may succeed. */
const failedSync = new Set<string>();

let current: Backend | null = null;
/** Set once setBackend chose a backend by name: ready() then leaves the choice alone. */
let chosenByName = false;

const envBackend = (): string | undefined => (typeof process !== 'undefined' ? process.env?.KILN_BACKEND || undefined : undefined);

/** The backend named `name`, made now if it can start synchronously; undefined if not. */
function make(name: string): Backend | undefined {
  const have = made.get(name);
  if (have || failedSync.has(name)) return have;
  const factory = factories.get(name);
  if (!factory) return undefined;
  const b = factory.sync();
  if (!b) {
    failedSync.add(name);
    return undefined;
  }
  return remember(b);
}

/** Adds a started backend to `made` (by its name), the list releases walk, and the release threshold. */
function remember(b: Backend): Backend {
  made.set(b.name, b);
  madeList = [...made.values()];
  noteReleasableFrom(b.minReleasable);
  return b;
}

function knownNames(): string[] {
  return [...new Set([...made.keys(), ...factories.keys()])];
}

function checkName(name: string, op: string): void {
  if (!made.has(name) && !factories.has(name)) throw new ValueError(`${op}: no backend named '${name}'; available: ${listBackends().join(', ')}`);
}

/** The default: `KILN_BACKEND` when set (Node.js), else wasm where it starts, else js. */
function initial(): Backend {
  const env = envBackend();
  if (env) {
    checkName(env, `KILN_BACKEND=${env}`);
    const b = make(env);
    if (!b) throw new ValueError(`KILN_BACKEND=${env}: that backend cannot start here; available: ${listBackends().join(', ')}`);
    return (current = b);
  }
  return (current = make('wasm') ?? jsBackend);
}

/** The backend that runs every kernel now. */
export function backend(): Backend {
  return current ?? initial();
}

/**
 * The backend whose memory holds `s`: a device storage's own; for a typed array, js (every CPU
 * backend reads and writes typed arrays alike).
 */
export function backendOf(s: Storage): Backend {
  if (!(s instanceof DeviceStorage)) return jsBackend;
  const b = made.get(s.backendName);
  if (!b) throw new ValueError(`kiln internal: a storage of the ${s.backendName} backend, which has not started`);
  return b;
}

/** The backend named `name`, which must have started (`await kiln.setBackend(name)` starts it). */
export function startedBackend(name: string, op: string): Backend {
  checkName(name, op);
  const b = make(name);
  if (!b) throw new ValueError(`${op}: the ${name} backend has not started; await kiln.setBackend('${name}') first`);
  return b;
}

/** Every backend made so far (storages are handed back to the one that owns them). */
export function instantiatedBackends(): readonly Backend[] {
  return madeList;
}

/** Makes a backend available to `setBackend`. A partial backend falls back to js kernel by kernel. */
export function registerBackend(b: Partial<Backend> & { name: string }): void {
  remember({ ...jsBackend, ...b });
}

/**
 * Chooses the backend by name: `kiln.setBackend('js')`. The switch is immediate where the backend
 * can start synchronously (js; wasm in Node.js and workers); on a page's main thread, await the
 * returned promise, which resolves to the name once the wasm kernels have compiled.
 */
export function setBackend(name: string): Promise<string> {
  checkName(name, 'setBackend');
  chosenByName = true;
  const b = make(name);
  if (b) {
    current = b;
    return Promise.resolve(name);
  }
  return startAsync(name).then((started) => {
    if (!started) throw new ValueError(`setBackend: the ${name} backend cannot start here (WebAssembly SIMD missing?); use 'js'`);
    current = started;
    return name;
  });
}

async function startAsync(name: string): Promise<Backend | null> {
  const have = made.get(name);
  if (have) return have;
  const b = (await factories.get(name)?.async()) ?? null;
  return b ? remember(b) : null;
}

/** The current backend's name. */
export function getBackend(): string {
  return backend().name;
}

/**
 * The names of the backends that can run here (starting them to find out). A GPU is found only
 * asynchronously: 'webgpu' is listed once `await kiln.setBackend('webgpu')` has started it.
 */
export function listBackends(): string[] {
  return knownNames().filter((n) => made.has(n) || (!factories.get(n)?.listedOnceStarted && (make(n) !== undefined || failedSync.has(n))));
}

/** What a backend runs on here, e.g. 'SIMD + relaxed SIMD, 2 threads' for wasm (the current one by default). */
export function backendDetail(name: string = backend().name): string {
  checkName(name, 'backendDetail');
  const b = make(name);
  if (!b) return factories.get(name)?.listedOnceStarted ? `not started yet: await kiln.setBackend('${name}')` : 'not started yet: await kiln.ready()';
  return b.detail?.() ?? 'JavaScript, 1 thread';
}

/**
 * Resolves once the fastest backend is in place, and names it: in Node.js and workers the wasm
 * kernels compile on first use anyway; on a browser page's main thread, which refuses synchronous
 * compiles of that size, Kiln runs on js until `await kiln.ready()` has compiled them and switched
 * to wasm (unless a backend was chosen by name or KILN_BACKEND).
 * @example await kiln.ready();   // 'wasm'
 */
export async function ready(): Promise<string> {
  const wasm = make('wasm') ?? (await startAsync('wasm'));
  if (wasm && !chosenByName && !envBackend() && (current === null || current === jsBackend)) current = wasm;
  return backend().name;
}

/**
 * What a backend's memory holds now (the current one by default): live storages and bytes, the
 * high-water mark, and how many storages the autograd release and the garbage collector handed
 * back. Nothing is ever freed by hand; this is for watching that memory stays flat.
 * @example kiln.memory().liveBytes
 */
export function memory(name: string = backend().name): ReturnType<Backend['memoryStats']> {
  checkName(name, 'memory');
  const b = make(name);
  if (!b) throw new ValueError(`memory: the ${name} backend has not started; await kiln.ready()`);
  return b.memoryStats();
}
