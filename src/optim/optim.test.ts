import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { FormatError, ValueError } from '../index.js';
import { expectClose, fromRef, referenceCases } from '../../test/helpers.js';

const { optim, tensor } = kiln;

// PyTorch's keyword arguments, in Kiln's camelCase.
function kilnOptions(kw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) out[k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

const MAKERS: Record<string, (p: kiln.Tensor[], o: Record<string, unknown>) => kiln.optim.Optimizer<{ lr: number }>> = {
  SGD: (p, o) => new optim.SGD(p, o as unknown as kiln.optim.SGDOptions),
  RMSprop: (p, o) => new optim.RMSprop(p, o),
  Adam: (p, o) => new optim.Adam(p, o),
  AdamW: (p, o) => new optim.AdamW(p, o),
};

describe('optimisers replay PyTorch trajectories', () => {
  const cases = referenceCases(['optimizer']);
  it('has the reference cases', () => expect(cases.length).toBeGreaterThanOrEqual(6));
  for (const c of cases) {
    for (const [dtype, tol] of [['float64', 1e-9], ['float32', 1e-4]] as const) {
      it(`${c.name} (${dtype})`, () => {
        const p = fromRef(c.inputs.p0!, dtype, true);
        const cc = fromRef(c.inputs.c!, dtype);
        const d = fromRef(c.inputs.d!, dtype);
        const opt = MAKERS[c.optimizer!]!([p], kilnOptions(c.kwargs));
        c.trajectory!.forEach((expected, i) => {
          opt.zeroGrad();
          cc.mul(p).mul(p).add(d.mul(p)).sum().backward();
          opt.step();
          expectClose(p, expected, tol, `${c.name} step ${i + 1}`);
        });
      });
    }
  }
});

describe('optimiser behaviour', () => {
  it('AdamW decays the weights directly', () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new optim.AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    p.grad = tensor([0]);
    opt.step();
    // p·(1 − lr·λ) with a zero Adam step
    expect(p.item()).toBeCloseTo(0.95, 6);
  });

  it('Nesterov momentum follows PyTorch\'s rule', () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
    p.grad = tensor([1]);
    opt.step(); // buf = 1, step = g + 0.9·buf = 1.9
    expect(p.item()).toBeCloseTo(1 - 0.19, 6);
    opt.step(); // buf = 0.9 + 1 = 1.9, step = 1 + 0.9·1.9 = 2.71
    expect(p.item()).toBeCloseTo(0.81 - 0.271, 6);
  });

  it('zeroGrad clears accumulated gradients', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    p.sum().backward();
    const opt = new optim.SGD([p], { lr: 1 });
    opt.zeroGrad();
    expect(p.grad!.toArray()).toEqual([0, 0]);
    opt.zeroGrad(true);
    expect(p.grad).toBeNull();
  });

  it('rejects nonsense hyperparameters with the name and value', () => {
    const p = [tensor([1], { requiresGrad: true })];
    expect(() => new optim.SGD(p, { lr: -0.1 })).toThrow('SGD: lr must be ≥ 0, got -0.1');
    expect(() => new optim.SGD(p, { lr: 0.1, momentum: -1 })).toThrow(ValueError);
    expect(() => new optim.SGD(p, { lr: 0.1, nesterov: true })).toThrow(/nesterov needs momentum/);
    expect(() => new optim.Adam(p, { betas: [1, 0.999] })).toThrow('Adam: betas[0] must be ≥ 0 and < 1, got 1');
    expect(() => new optim.RMSprop(p, { alpha: 2 })).toThrow(ValueError);
    expect(() => new optim.Adam(p, { lr: NaN })).toThrow(/lr must be a number/);
    expect(() => new optim.Adam([])).toThrow(/no parameters/);
    expect(() => new optim.Adam([tensor([1])])).toThrow(/does not require a gradient/);
    const opt = new optim.SGD(p, { lr: 0.1 });
    expect(() => { opt.lr = -1; }).toThrow(ValueError);
  });

  it('saves and restores its state so training continues identically', () => {
    const run = (steps: number, restoreAt?: number): number[] => {
      const p = tensor([1, -2, 3], { requiresGrad: true, dtype: 'float64' });
      let opt = new optim.Adam([p], { lr: 0.1 });
      for (let i = 0; i < steps; i++) {
        if (i === restoreAt) {
          const saved = JSON.parse(JSON.stringify(opt.stateDict()));
          opt = new optim.Adam([p], { lr: 0.5 });
          opt.loadStateDict(saved);
        }
        opt.zeroGrad();
        p.mul(p).sum().backward();
        opt.step();
      }
      return Array.from(p.values);
    };
    expect(run(6, 3)).toEqual(run(6));
    const sgd = new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 });
    expect(() => sgd.loadStateDict(new optim.Adam([tensor([1], { requiresGrad: true })]).stateDict())).toThrow(FormatError);
  });
});

describe('learning-rate schedules', () => {
  const make = (): kiln.optim.SGD => new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 0.2 });
  const lrs = (s: kiln.optim.LRScheduler, n: number): number[] => {
    const out = [s.getLastLr()];
    for (let i = 0; i < n; i++) { s.step(); out.push(s.getLastLr()); }
    return out;
  };
  const close = (a: number[], b: number[]): void => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));

  it("the course's α₀/(1 + decayRate·epoch_num): its table, epochs 1 to 4 at 0.1, 0.067, 0.05, 0.04", () => close(lrs(new optim.InverseTimeLR(make(), { decayRate: 1 }), 3), [0.1, 0.2 / 3, 0.05, 0.04]));
  it("the course's 0.95^epoch_num·α₀", () => close(lrs(new optim.ExponentialDecayLR(make(), { base: 0.95 }), 2), [0.19, 0.1805, 0.171475]));
  it("the course's k/√epoch_num·α₀", () => close(lrs(new optim.InverseSqrtLR(make(), { k: 0.5 }), 3), [0.1, 0.1 / Math.SQRT2, 0.1 / Math.sqrt(3), 0.05]));
  it("PyTorch's exponential: the first epoch at α₀", () => close(lrs(new optim.ExponentialLR(make(), { gamma: 0.95 }), 2), [0.2, 0.19, 0.1805]));
  it('a discrete staircase (StepLR)', () => close(lrs(new optim.StepLR(make(), { stepSize: 2, gamma: 0.5 }), 4), [0.2, 0.2, 0.1, 0.1, 0.05]));
  it('cosine', () => close(lrs(new optim.CosineAnnealingLR(make(), { tMax: 2, etaMin: 0 }), 3), [0.2, 0.1, 0, 0]));

  it("gives fit's epochs the course's table: history.lr is each epoch's rate", async () => {
    const model = new kiln.nn.Linear(1, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.2 });
    const ds = new kiln.TensorDataset(kiln.ones([4, 1]), kiln.ones([4, 1]));
    const { history } = await kiln.fit(model, ds, { epochs: 4, batchSize: 'full', loss: 'mseLoss', optimizer: opt, scheduler: new optim.InverseTimeLR(opt, { decayRate: 1 }) });
    close(history.lr!, [0.1, 0.2 / 3, 0.05, 0.04]);
  });

  it('save and restore', () => {
    const a = new optim.InverseTimeLR(make(), { decayRate: 0.5 });
    a.step(); a.step();
    const b = new optim.InverseTimeLR(make(), { decayRate: 0.5 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.getLastLr()).toBeCloseTo(a.getLastLr(), 12);
    b.step(); a.step();
    expect(b.getLastLr()).toBeCloseTo(a.getLastLr(), 12);
  });

  it('rejects nonsense', () => {
    expect(() => new optim.ExponentialLR(make(), { gamma: 1.5 })).toThrow(ValueError);
    expect(() => new optim.InverseTimeLR(make(), { decayRate: -1 })).toThrow(ValueError);
    expect(() => new optim.StepLR(make(), { stepSize: 0 })).toThrow(ValueError);
    expect(() => new optim.InverseTimeLR(make(), { decay: 1 } as never)).toThrow('InverseTimeLR: unknown option "decay"; did you mean "decayRate"?');
  });
});

describe("the course's momentum", () => {
  // The reference quadratic J = Σ c·p² + d·p (dJ/dp = 2c·p + d), stepped by the course's formula:
  // v = β·v + (1 − β)·dW from v = 0, then W := W − α·v.
  const ref = referenceCases(['optimizer']).find((c) => c.name === 'sgd_momentum_course')!;
  const courseTrajectory = (alpha: number, beta: number, steps: number): number[][] => {
    const p = [...ref.inputs.p0!.data];
    const v = p.map(() => 0);
    const out: number[][] = [];
    for (let t = 0; t < steps; t++) {
      p.forEach((w, i) => {
        const dW = 2 * ref.inputs.c!.data[i]! * w + ref.inputs.d!.data[i]!;
        v[i] = beta * v[i]! + (1 - beta) * dW;
        p[i] = w - alpha * v[i]!;
      });
      out.push([...p]);
    }
    return out;
  };
  const run = (make: (p: kiln.Tensor[]) => kiln.optim.Optimizer<{ lr: number }>, steps: number): number[][] => {
    const p = fromRef(ref.inputs.p0!, 'float64', true);
    const [c, d] = [fromRef(ref.inputs.c!, 'float64'), fromRef(ref.inputs.d!, 'float64')];
    const opt = make([p]);
    const out: number[][] = [];
    for (let t = 0; t < steps; t++) {
      opt.zeroGrad();
      c.mul(p).mul(p).add(d.mul(p)).sum().backward();
      opt.step();
      out.push(Array.from(p.values));
    }
    return out;
  };

  it('follows v = β·v + (1 − β)·dW from v = 0, W := W − α·v, step by step', () => {
    const expected = courseTrajectory(0.1, 0.9, 20);
    const got = run((p) => new optim.Momentum(p, { lr: 0.1, beta: 0.9 }), 20);
    got.forEach((row, t) => row.forEach((w, i) => expect(Math.abs(w - expected[t]![i]!), `step ${t + 1}`).toBeLessThan(1e-12)));
    // The first step moves by α(1 − β)·dW: a tenth of plain gradient descent's.
    const p0 = ref.inputs.p0!.data[0]!, g0 = 2 * ref.inputs.c!.data[0]! * p0 + ref.inputs.d!.data[0]!;
    expect(got[0]![0]!).toBeCloseTo(p0 - 0.1 * 0.1 * g0, 14);
    // β defaults to the course's 0.9.
    expect(run((p) => new optim.Momentum(p, { lr: 0.1 }), 3)).toEqual(got.slice(0, 3));
  });

  it("differs from PyTorch's forms, which start at v = dW or accumulate v = β·v + dW", () => {
    const course = run((p) => new optim.Momentum(p, { lr: 0.1, beta: 0.9 }), 5);
    const dampened = run((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.9 }), 5);
    const pytorch = run((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }), 1);
    expect(Math.abs(course[0]![0]! - dampened[0]![0]!)).toBeGreaterThan(1e-3);
    expectClose(fromRef({ shape: [3, 2], data: dampened[4]! }), ref.trajectory![4]!, 1e-9, 'PyTorch dampening');
    // PyTorch's plain momentum's first step is 1/(1 − β) = 10× the course's.
    const p0 = ref.inputs.p0!.data[0]!;
    expect((pytorch[0]![0]! - p0) / (course[0]![0]! - p0)).toBeCloseTo(10, 9);
  });

  it('refuses nonsense and misspelt options, and saves its velocity', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    expect(() => new optim.Momentum([p], { lr: 0.1, beta: 1 })).toThrow('Momentum: beta must be ≥ 0 and < 1, got 1');
    expect(() => new optim.Momentum([p], { lr: 0.1, betas: 0.9 } as never)).toThrow('Momentum: unknown option "betas"; did you mean "beta"?');
    const opt = new optim.Momentum([p], { lr: 0.1 });
    p.grad = tensor([1, -1]);
    opt.step();
    const again = new optim.Momentum([p], { lr: 0.1 });
    again.loadStateDict(JSON.parse(JSON.stringify(opt.stateDict())));
    expect(again.stateDict().state[0]!.velocity).toEqual([0.1, -0.1].map(Math.fround));
  });
});
