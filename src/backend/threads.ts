import { ValueError } from '../errors.js';

// How many threads heavy kernels may use: `setNumThreads(n)`, else `KILN_THREADS` (Node.js), else
// every core. Backends read it at each call; small kernels stay on the calling thread whatever it is.

/** A sanity bound, far above any machine Kiln runs on; more threads than cores only adds overhead. */
const MAX_THREADS = 256;

function checkThreads(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ValueError(`${what} must be a whole number of threads from 1 to ${MAX_THREADS}, got ${JSON.stringify(n)}; use 1 to run every kernel on the calling thread`);
  }
  return n;
}

/** The machine's core count: os.availableParallelism() in Node.js, navigator.hardwareConcurrency in browsers. */
export function coreCount(): number {
  const os = globalThis.process?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
  const n = os?.availableParallelism?.() ?? globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, n));
}

function initialThreads(): number {
  const env = globalThis.process?.env?.KILN_THREADS;
  if (env === undefined || env === '') return coreCount();
  return checkThreads(Number(env), `KILN_THREADS=${env}:`);
}

let threads: number | undefined;

/** Threads heavy kernels split across (the calling thread included). */
export function getNumThreads(): number {
  threads ??= initialThreads();
  return threads;
}

/** Sets how many threads heavy kernels split across: 1 keeps everything on the calling thread. */
export function setNumThreads(n: number): void {
  threads = checkThreads(n, 'setNumThreads(n): n');
}
