import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

/**
 * The largest difference between two runs of values, relative past magnitude 1
 * (|a − e| / max(1, |e|)): how the interop tests compare Kiln with ONNX Runtime and PyTorch.
 */
export function worstRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`worstRelativeError: ${actual.length} values against ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

/** A fresh directory under the system temp dir, removed when the current test finishes. */
export function tempDir(prefix = 'kiln-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** expectClose for a tensor on any backend (a GPU's included): its values are read back first. */
export async function expectCloseAsync(actual: Tensor, expected: RefTensor | Tensor, tol: number, label: string): Promise<void> {
  const eShape = expected instanceof Tensor ? [...expected.shape] : expected.shape;
  const eData = expected instanceof Tensor ? Array.from(await expected.data()) : expected.data;
  expect([...actual.shape], `${label}: shape`).toEqual(eShape);
  const got = await actual.data();
  for (let i = 0; i < eData.length; i++) {
    const k = got[i]!;
    const t = eData[i]!;
    const ok = k === t || (Number.isNaN(k) && Number.isNaN(t)) || Math.abs(k - t) <= tol * Math.max(1, Math.abs(t));
    if (!ok) expect.fail(`${label}[${i}]: kiln=${k} | reference=${t} (tolerance ${tol})`);
  }
}

/**
 * Starts the webgpu backend for a test file: on SwiftShader (Chromium's software Vulkan) where no
 * driver is set, as CI runs it. Returns null, with the reason, where no adapter can be had — which
 * fails in CI (CI=true), where one must be there.
 */
export async function startWebgpu(setBackend: (name: string) => Promise<string>): Promise<string | null> {
  const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;
  // Without Dawn's bounds clamp (the kernels check their own): SwiftShader runs twice as fast, and
  // an access out of bounds shows as a wrong value instead of being clamped out of sight.
  process.env.KILN_DAWN_FLAGS ??= 'enable-dawn-features=disable_robustness';
  // The Vulkan loader complains on every start when there is no session runtime folder (CI has none).
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  try {
    await setBackend('webgpu');
    return null;
  } catch (e) {
    if (process.env.CI) throw e;
    return e instanceof Error ? e.message : String(e);
  }
}
