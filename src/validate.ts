import { ValueError } from './errors.js';

/**
 * Checks a hyperparameter against an interval and throws a ValueError that names the op, the
 * argument, what it got and what it needs: `SGD: lr must be ≥ 0, got -0.1`.
 */
export function checkRange(
  op: string, name: string, value: unknown,
  { min = -Infinity, max = Infinity, minOpen = false, maxOpen = false }: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean },
): number {
  const lo = min === -Infinity ? '' : `${minOpen ? '>' : '≥'} ${min}`;
  const hi = max === Infinity ? '' : `${maxOpen ? '<' : '≤'} ${max}`;
  const need = [lo, hi].filter(Boolean).join(' and ') || 'finite';
  if (typeof value !== 'number' || Number.isNaN(value)) throw new ValueError(`${op}: ${name} must be a number ${need}, got ${String(value)}`);
  // Hyperparameters and sizes are finite: an infinite learning rate or slope is a slip, not a choice.
  if (!Number.isFinite(value)) throw new ValueError(`${op}: ${name} must be a finite number${need === 'finite' ? '' : ` ${need}`}, got ${value}`);
  if (value < min || (minOpen && value === min) || value > max || (maxOpen && value === max)) {
    throw new ValueError(`${op}: ${name} must be ${need}, got ${value}`);
  }
  return value;
}

/** Checks a count: an integer ≥ `min`. */
export function checkInt(op: string, name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** Checks that a value is one of a fixed set of names. */
export function checkOneOf<T extends string>(op: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ValueError(`${op}: ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Levenshtein distance: how many one-character edits turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/**
 * Refuses an options object with a key the function does not know (a misspelt option is otherwise
 * silently ignored), naming the key and the nearest valid one: `fit: unknown option "epoch"; did
 * you mean "epochs"? (valid: …)`. Also refuses options that are not a plain object.
 */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`${op}: options must be an object such as { ${allowed[0]}: … }, got ${Array.isArray(options) ? 'an array' : String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const k = key.toLowerCase();
    const nearest = [...allowed].sort((a, b) => editDistance(k, a.toLowerCase()) - editDistance(k, b.toLowerCase()))[0];
    // Near in spelling, or a part of the name or the other way round (`decay` → `decayRate`, `epsilon` → `eps`).
    const n = nearest?.toLowerCase() ?? '';
    const near = nearest !== undefined && (editDistance(k, n) <= Math.max(2, key.length / 3) || (k.length >= 3 && n.includes(k)) || (n.length >= 3 && k.includes(n)));
    const guess = near ? `did you mean "${nearest}"? ` : '';
    throw new ValueError(`${op}: unknown option "${key}"; ${guess}(valid: ${allowed.join(', ')})`);
  }
}
