import { bindKernels, KERNELS_PLAIN_BASE64, KERNELS_RELAXED_BASE64, KERNELS_THREADS_BASE64 } from './kernels.generated.js';
import type { KernelExports } from './kernels.generated.js';

// Compiling and instantiating the kernels (kernels/, built into kernels.generated.ts). Called on
// the wasm backend's first use, never on import.

/** Which build of the kernels runs: 'relaxed' (shared memory + fused multiply-add), 'threads' (shared memory) or 'plain'. */
export type Variant = 'relaxed' | 'threads' | 'plain';

export interface LoadedKernels {
  k: KernelExports;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  variant: Variant;
}

/** Pages (64 KiB) the kernels' memory starts with, and the most shared memory may grow to (2 GiB: every offset an i32). */
const INITIAL_PAGES = 32;
const MAX_SHARED_PAGES = 32768;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Lets Node.js 20 compile relaxed SIMD (on by default from V8 11.4, i.e. Node.js 22 and browsers). */
function enableRelaxedSimd(bytes: Uint8Array<ArrayBuffer>): void {
  if (WebAssembly.validate(bytes)) return;
  const v8 = globalThis.process?.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
  v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/**
 * The kernel variants to try, best first (shared memory only where this platform has it), each
 * decoded when its turn comes, with relaxed SIMD enabled for the variant that needs it.
 */
function* candidates(): Generator<[Variant, Uint8Array<ArrayBuffer>]> {
  const canShare = typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  const all: [Variant, string][] = canShare
    ? [['relaxed', KERNELS_RELAXED_BASE64], ['threads', KERNELS_THREADS_BASE64], ['plain', KERNELS_PLAIN_BASE64]]
    : [['plain', KERNELS_PLAIN_BASE64]];
  for (const [variant, base64] of all) {
    const bytes = decodeBase64(base64);
    if (variant === 'relaxed') enableRelaxedSimd(bytes);
    yield [variant, bytes];
  }
}

/** The memory a variant imports, and the imports object. */
function importsFor(variant: Variant): [WebAssembly.Memory, WebAssembly.Imports] {
  const memory = new WebAssembly.Memory(variant === 'plain' ? { initial: INITIAL_PAGES } : { initial: INITIAL_PAGES, maximum: MAX_SHARED_PAGES, shared: true });
  const abort = (): never => { throw new Error('wasm kernel aborted'); };
  return [memory, { env: { memory, abort } }];
}

/**
 * Instantiates the best kernel variant this platform runs, synchronously: relaxed SIMD on shared
 * memory, else SIMD on shared memory, else SIMD on private memory; null where none compiles (no
 * WebAssembly SIMD, or a browser's main thread, which refuses synchronous compiles over 4 KB: see
 * loadKernelsAsync).
 */
export function loadKernels(): LoadedKernels | null {
  for (const [variant, bytes] of candidates()) {
    try {
      const module = new WebAssembly.Module(bytes);
      const [memory, imports] = importsFor(variant);
      const k = bindKernels(new WebAssembly.Instance(module, imports).exports);
      return { k, module, memory, variant };
    } catch {
      // This platform lacks a feature of the variant (or refuses to compile it here): try the next.
    }
  }
  return null;
}

/** loadKernels, compiling and instantiating asynchronously (allowed everywhere, a page's main thread included). */
export async function loadKernelsAsync(): Promise<LoadedKernels | null> {
  for (const [variant, bytes] of candidates()) {
    try {
      const module = await WebAssembly.compile(bytes);
      const [memory, imports] = importsFor(variant);
      const k = bindKernels((await WebAssembly.instantiate(module, imports)).exports);
      return { k, module, memory, variant };
    } catch {
      // As in loadKernels: try the next variant.
    }
  }
  return null;
}
