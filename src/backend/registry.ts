import { ValueError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { createWasmBackend, createWasmBackendAsync } from './wasm/index.js';

const backends = new Map<string, Backend>([['js', jsBackend]]);
const wasm = createWasmBackend();
if (wasm) backends.set('wasm', wasm);
const envBackend = typeof process !== 'undefined' ? process.env?.KILN_BACKEND : undefined;

/**
 * The default: `KILN_BACKEND` when set (Node.js), else wasm where WebAssembly SIMD exists, else js.
 */
function initialBackend(): Backend {
  if (envBackend) {
    const chosen = backends.get(envBackend);
    if (!chosen) throw new ValueError(`KILN_BACKEND=${envBackend}: no such backend here; available: ${[...backends.keys()].join(', ')}`);
    return chosen;
  }
  return wasm ?? jsBackend;
}

let current: Backend = initialBackend();
/** Set once setBackend chose a backend by name: ready() then leaves the choice alone. */
let chosenByName = false;

/** The backend that runs every kernel now. */
export function backend(): Backend {
  return current;
}

/** Makes a backend available to `setBackend`. A partial backend falls back to js kernel by kernel. */
export function registerBackend(b: Partial<Backend> & { name: string }): void {
  backends.set(b.name, { ...jsBackend, ...b });
}

/** Chooses the backend: `kiln.setBackend('js')` or `kiln.setBackend('wasm')`. */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) throw new ValueError(`setBackend: no backend named '${name}'; available: ${[...backends.keys()].join(', ')}`);
  current = b;
  chosenByName = true;
}

/** The current backend's name. */
export function getBackend(): string {
  return current.name;
}

/** The names of the backends available here. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** What a backend runs on here, e.g. 'SIMD + relaxed SIMD, 2 threads' for wasm (the current one by default). */
export function backendDetail(name: string = current.name): string {
  const b = backends.get(name);
  if (!b) throw new ValueError(`backendDetail: no backend named '${name}'; available: ${[...backends.keys()].join(', ')}`);
  return b.detail?.() ?? 'JavaScript, 1 thread';
}

/**
 * Resolves once the fastest backend is in place, and names it. Kiln compiles its wasm kernels
 * synchronously on import, which works in Node.js and in workers; a browser page's main thread
 * refuses synchronous compiles of that size, so there Kiln starts on js and `await kiln.ready()`
 * compiles the kernels asynchronously and switches to wasm (unless a backend was chosen by name).
 * @example await kiln.ready();   // 'wasm'
 */
export async function ready(): Promise<string> {
  if (!backends.has('wasm')) {
    const loaded = await createWasmBackendAsync();
    if (loaded) {
      backends.set('wasm', loaded);
      if (current === jsBackend && !envBackend && !chosenByName) current = loaded;
    }
  }
  return current.name;
}
