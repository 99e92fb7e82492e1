import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';
import { Tensor, tensor } from '../src/index.js';
import type { DType } from '../src/index.js';

/** The PyTorch reference cases the tests replay (test/reference; scripts/make-reference.py made them). */
export const REFERENCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'reference');

export interface RefTensor { shape: number[]; data: number[] }
export interface RefCase {
  name: string;
  op: string;
  kwargs: Record<string, unknown>;
  inputs: Record<string, RefTensor>;
  intInputs?: Record<string, RefTensor>;
  output: RefTensor;
  gradOutput: RefTensor;
  grads: Record<string, RefTensor>;
  optimizer?: string;
  trajectory?: RefTensor[];
}

function allCases(): RefCase[] {
  return readdirSync(REFERENCE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(REFERENCE_DIR, f), 'utf8')) as RefCase);
}

/** The reference cases of the given PyTorch ops. */
export function referenceCases(ops: readonly string[]): RefCase[] {
  return allCases().filter((c) => ops.includes(c.op));
}

/** Every op name that has a reference case. */
export function allOps(): string[] {
  return [...new Set(allCases().map((c) => c.op))];
}

export function fromRef(r: RefTensor, dtype: DType = 'float64', requiresGrad = false): Tensor {
  return tensor(Float64Array.from(r.data), { shape: r.shape, dtype, requiresGrad });
}

/**
 * Asserts shape first, then every value within |k − t| ≤ tol·max(1, |t|), printing
 * `kiln=… | torch=…` for the first mismatch.
 */
export function expectClose(actual: Tensor, expected: RefTensor | Tensor, tol: number, label: string): void {
  const eShape = expected instanceof Tensor ? [...expected.shape] : expected.shape;
  const eData = expected instanceof Tensor ? Array.from(expected.values) : expected.data;
  expect([...actual.shape], `${label}: shape`).toEqual(eShape);
  for (let i = 0; i < eData.length; i++) {
    const k = actual.values[i]!;
    const t = eData[i]!;
    const ok = k === t || Math.abs(k - t) <= tol * Math.max(1, Math.abs(t));
    if (!ok) expect.fail(`${label}[${i}]: kiln=${k} | torch=${t} (tolerance ${tol})`);
  }
}

/** A fresh directory under the system temp dir, removed when the current test finishes. */
export function tempDir(prefix = 'kiln-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
