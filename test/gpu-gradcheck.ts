import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { startWebgpu } from './helpers.js';

// Gradient checking on the webgpu backend, where values are float32 and read back asynchronously,
// so kiln.gradcheck (float64, every element, synchronous) cannot run there.

/** A gradcheck case: its name, the function, and its inputs (drawn after manualSeed). */
export type GradcheckCase = [string, (...xs: Tensor[]) => Tensor, () => Tensor[]];

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Along random directions u, as PyTorch's fast gradcheck does: the analytic ⟨∇J, u⟩ from one
 * backward pass against the central difference (J(x + hu) − J(x − hu)) / 2h, where J = Σ out·w for
 * fixed random weights. Each J is the backend's output, weighted and summed in float64 here.
 * Returns the largest error |a − n| / max(1, |a|, |n|) over the directions.
 */
export async function directionalGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], h = 3e-3, directions = 3): Promise<number> {
  const gen = new kiln.Generator(99);
  const xs = inputs.map((x) => { const t = x.detach().clone(); t.requiresGrad = true; return t; });
  const out = fn(...xs);
  const w = Float64Array.from({ length: out.size }, () => gen.normal());
  out.mul(kiln.tensor(Float32Array.from(w), { shape: [...out.shape] })).sum().backward();
  const grads = await Promise.all(xs.map((x) => (x.grad ? x.grad.data() : new Float32Array(x.size))));
  const objective = async (shift: Tensor[], s: number): Promise<number> =>
    dot(await kiln.noGrad(() => fn(...xs.map((x, k) => x.detach().add(shift[k]!.mul(s))))).data(), w);
  let worst = 0;
  for (let d = 0; d < directions; d++) {
    const u = xs.map((x) => Float32Array.from({ length: x.size }, () => gen.normal()));
    const analytic = grads.reduce((acc, g, k) => acc + dot(g, u[k]!), 0);
    const shift = u.map((v, k) => kiln.tensor(v, { shape: [...xs[k]!.shape] }));
    const numeric = ((await objective(shift, h)) - (await objective(shift, -h))) / (2 * h);
    worst = Math.max(worst, Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric)));
  }
  return worst;
}

/**
 * The float64 gradcheck's cases again on the webgpu backend, in float32: inputs drawn on the CPU
 * as the float64 check draws them (after manualSeed(seed)), moved to the GPU. Once per test run:
 * not again in the run that makes another backend the default (KILN_BACKEND).
 */
export function describeWebgpuGradchecks(title: string, cases: readonly GradcheckCase[], seed: number): void {
  describe.skipIf(process.env.KILN_BACKEND)(title, () => {
    const DEFAULT = kiln.getBackend();
    let why: string | null = null;
    beforeAll(async () => { why = await startWebgpu(kiln.setBackend); });
    afterAll(async () => { await kiln.setBackend(DEFAULT); });

    const onGpu = async (make: () => Tensor[]): Promise<Tensor[]> => {
      await kiln.setBackend('js');
      kiln.manualSeed(seed);
      const made = make().map((t) => t.float());
      await kiln.setBackend('webgpu');
      return Promise.all(made.map((t) => t.toBackend('webgpu')));
    };

    for (const [name, fn, make] of cases) {
      it(name, async (ctx) => {
        if (why) ctx.skip(why);
        // float32 central differences: ~1e-4 at worst on these cases; a wrong gradient is off by O(1).
        expect(await directionalGradcheck(fn, await onGpu(make)), name).toBeLessThan(1e-3);
      });
    }

    it('catches a wrong gradient', async (ctx) => {
      if (why) ctx.skip(why);
      const wrongSquare = (x: Tensor): Tensor => {
        const out = x.detach().mul(x.detach());
        out.requiresGrad = true;
        out.gradFn = { name: 'wrongSquare', inputs: [x], backward: (g) => [g.mul(x).mul(4)] };
        return out;
      };
      expect(await directionalGradcheck(wrongSquare, await onGpu(() => [kiln.randn([3])]))).toBeGreaterThan(0.1);
    });
  });
}
