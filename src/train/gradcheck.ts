import { enableGrad, noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptions, checkRange } from '../validate.js';

export interface GradcheckOptions {
  /** The finite-difference step ε (default 1e-6). */
  eps?: number;
  /** The largest accepted error (default 1e-6), per element and overall. */
  tolerance?: number;
}

export interface GradcheckResult {
  /** Whether every element and the overall relative error are within tolerance. */
  ok: boolean;
  /** The course's measure: ‖analytic − numeric‖₂ / (‖analytic‖₂ + ‖numeric‖₂), over all inputs. */
  relativeError: number;
  /** The element with the largest error |a − n| / max(1, |a|, |n|). */
  worst: { input: number; index: number; analytic: number; numeric: number; error: number };
}

/**
 * Gradient checking, as the course teaches it: compares the gradient back-propagation computes
 * with the central difference (J(θ + ε) − J(θ − ε)) / 2ε, in float64, for every element of every
 * input. The output is reduced to a scalar with fixed random weights, so every output element
 * counts. Inputs are copied to float64; `fn` must build its result from the inputs it is given.
 * @example
 * const r = kiln.gradcheck((x, w) => x.matmul(w).tanh(), [kiln.randn([3, 4]), kiln.randn([4, 2])]);
 * r.ok   // true; r.relativeError ≈ 1e-10
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  checkOptions('gradcheck', options, ['eps', 'tolerance']);
  if (typeof fn !== 'function') throw new ValueError(`gradcheck: the first argument must be a function of the inputs, (...xs) => a tensor, got ${fn === null ? 'null' : typeof fn}`);
  if (!Array.isArray(inputs)) throw new ValueError('gradcheck: inputs must be an array of tensors, e.g. [x, w]');
  const eps = checkRange('gradcheck', 'eps', options.eps ?? 1e-6, { min: 0, minOpen: true });
  const tolerance = checkRange('gradcheck', 'tolerance', options.tolerance ?? 1e-6, { min: 0 });
  const xs = inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new ValueError(`gradcheck: input ${i} is not a Tensor`);
    if (t.dtype === 'int32') throw new ValueError(`gradcheck: input ${i} is int32; only float inputs have gradients`);
    const x = t.detach().double().clone();
    x.requiresGrad = true;
    return x;
  });

  return enableGrad(() => {
    const out = fn(...xs);
    if (!(out instanceof Tensor)) throw new ValueError('gradcheck: fn must return a Tensor');
    const gen = new Generator(1234);
    const w = new Tensor(Float64Array.from(out.values, () => gen.normal()), out.shape);
    const objective = (): number => {
      const y = fn(...xs).values;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * w.values[i]!;
      return s;
    };
    out.mul(w).sum().backward();

    let diff2 = 0, a2 = 0, n2 = 0;
    let worst = { input: -1, index: -1, analytic: 0, numeric: 0, error: 0 };
    noGrad(() => {
      xs.forEach((x, k) => {
        for (let i = 0; i < x.size; i++) {
          const orig = x.values[i]!;
          x.values[i] = orig + eps;
          const plus = objective();
          x.values[i] = orig - eps;
          const minus = objective();
          x.values[i] = orig;
          const numeric = (plus - minus) / (2 * eps);
          const analytic = x.grad ? x.grad.values[i]! : 0;
          const error = Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric));
          diff2 += (analytic - numeric) ** 2;
          a2 += analytic ** 2;
          n2 += numeric ** 2;
          if (!(error <= worst.error) || worst.input < 0) worst = { input: k, index: i, analytic, numeric, error };
        }
      });
    });
    const denom = Math.sqrt(a2) + Math.sqrt(n2);
    const relativeError = denom === 0 ? 0 : Math.sqrt(diff2) / denom;
    return { ok: worst.error <= tolerance && (relativeError <= tolerance || denom < tolerance), relativeError, worst };
  });
}
