import { ValueError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

const backends = new Map<string, Backend>([['js', jsBackend]]);
let current: Backend = jsBackend;

/** The backend that runs every kernel now. */
export function backend(): Backend {
  return current;
}

/** Makes a backend available to `setBackend`. A partial backend falls back to js kernel by kernel. */
export function registerBackend(b: Partial<Backend> & { name: string }): void {
  backends.set(b.name, { ...jsBackend, ...b });
}

/** Chooses the backend: `kiln.setBackend('js')`. */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) throw new ValueError(`setBackend: no backend named '${name}'; available: ${[...backends.keys()].join(', ')}`);
  current = b;
}

export function getBackend(): string {
  return current.name;
}
