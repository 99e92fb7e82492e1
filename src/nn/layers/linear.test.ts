import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { ShapeError, ValueError } from '../../index.js';

const { nn, optim, tensor, manualSeed, gradcheck } = kiln;

describe('Linear', () => {
  it('computes x·Wᵀ + b with W: [out, in]', () => {
    const l = new nn.Linear(2, 3);
    kiln.noGrad(() => {
      l.weight.copy_(tensor([[1, 0], [0, 1], [1, 1]]));
      l.bias!.copy_(tensor([0.5, 0, -1]));
    });
    expect(l.forward(tensor([[2, 3]])).toArray()).toEqual([[2.5, 3, 4]]);
    expect(l.weight.shape).toEqual([3, 2]);
    expect([...l.namedParameters()].map(([n]) => n)).toEqual(['weight', 'bias']);
  });

  it('has gradients that pass gradcheck through the layer\'s own parameters', () => {
    manualSeed(3);
    const l = new nn.Linear(3, 2);
    const r = gradcheck((x, w, b) => nn.functional.linear(x, w, b).tanh(), [kiln.randn([4, 3]), l.weight, l.bias!]);
    expect(r.ok).toBe(true);
  });

  it('initialises by name', () => {
    manualSeed(0);
    const stats = (init: kiln.nn.LinearOptions['init']): { std: number; bias: number } => {
      const l = new nn.Linear(400, 300, { init });
      return { std: Math.sqrt(l.weight.var().item()), bias: l.bias!.abs().amax().item() };
    };
    expect(stats('zeros')).toEqual({ std: 0, bias: 0 });
    expect(stats('small').std).toBeCloseTo(0.01, 3);
    expect(stats('xavierNormal').std).toBeCloseTo(Math.sqrt(2 / 700), 3);
    expect(stats('xavierUniform').std).toBeCloseTo(Math.sqrt(2 / 700), 3);
    expect(stats('kaimingNormal').std).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(stats('kaimingUniform').std).toBeCloseTo(Math.sqrt(2 / 400), 3);
    const def = stats('default');
    expect(def.std).toBeCloseTo(1 / Math.sqrt(400) / Math.sqrt(3), 3); // U(±1/√in)
    expect(def.bias).toBeLessThanOrEqual(1 / Math.sqrt(400));
    expect(stats('xavierNormal').bias).toBe(0);
  });

  it('leaves every unit identical when initialised with zeros: symmetry is never broken', async () => {
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 4, { init: 'zeros' }), new nn.Tanh(), new nn.Linear(4, 1, { init: 'zeros' }));
    const ds = kiln.data.flower({ n: 100 });
    await kiln.fit(model, ds, { epochs: 30, batchSize: 'full', optimizer: new optim.SGD(model.parameters(), { lr: 1 }), loss: 'binaryCrossEntropyWithLogits' });
    const w = (model.layers[0] as kiln.nn.Linear).weight.toArray() as number[][];
    for (const row of w) expect(row).toEqual(w[0]);
    const w2 = (model.layers[2] as kiln.nn.Linear).weight.toArray() as number[][];
    expect(new Set(w2[0]).size).toBe(1);
    // …while a random initialisation gives the units different weights.
    const rnd = new nn.Linear(2, 4, { init: 'small' }).weight.toArray() as number[][];
    expect(rnd[0]).not.toEqual(rnd[1]);
  });

  it('rejects nonsense config and wrong inputs with the sizes', () => {
    expect(() => new nn.Linear(0, 3)).toThrow('Linear: inFeatures must be an integer ≥ 1, got 0');
    expect(() => new nn.Linear(2.5, 3)).toThrow(ValueError);
    expect(() => new nn.Linear(2, 3, { init: 'ones' as never })).toThrow(/init must be one of/);
    expect(() => new nn.Linear(3, 2).forward(kiln.zeros([4, 5]))).toThrow(ShapeError);
    expect(() => new nn.Linear(3, 2).forward(kiln.zeros([4, 5]))).toThrow('linear: input [4, 5] has 5 features but the weight [2, 3] expects 3');
  });

  it('round-trips through its config', () => {
    const l = new nn.Linear(3, 2, { bias: false, init: 'small' });
    const again = nn.fromConfig(l.toConfig()) as kiln.nn.Linear;
    expect(again.toConfig()).toEqual(l.toConfig());
    expect(again.bias).toBeNull();
    const wide = nn.fromConfig(new nn.Linear(2, 2, { dtype: 'float64' }).toConfig()) as kiln.nn.Linear;
    expect(wide.weight.dtype).toBe('float64');
    expect(() => new nn.Linear(2, 2, { dtype: 'int32' })).toThrow(/dtype must be float32 or float64/);
  });
});
