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
