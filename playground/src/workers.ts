import type { ToDigitsWorker, ToWorker } from './protocol.js';

// The page's two workers: the network's (worker.ts, on the CPU) and the digits' (digits-worker.ts,
// on WebGPU where the browser has it), and how to send to each.

export const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
export const send = (m: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(m, transfer);
export const digitsWorker = new Worker(new URL('./digits-worker.ts', import.meta.url), { type: 'module' });
export const sendDigits = (m: ToDigitsWorker, transfer: Transferable[] = []): void => digitsWorker.postMessage(m, transfer);
