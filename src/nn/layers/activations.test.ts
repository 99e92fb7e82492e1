import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';

const { nn, tensor, optim } = kiln;

describe('activation layers', () => {
  const x = tensor([[-2, -0.5, 0, 0.5, 2]]);
  it('compute the course\'s g(z)', () => {
    const close = (t: kiln.Tensor, f: (v: number) => number): void => {
      Array.from(t.values).forEach((v, i) => expect(v).toBeCloseTo(f(x.values[i]!), 6));
    };
    close(new nn.Sigmoid().forward(x), (z) => 1 / (1 + Math.exp(-z)));
    close(new nn.Tanh().forward(x), Math.tanh);
    close(new nn.ReLU().forward(x), (z) => Math.max(0, z));
    close(new nn.LeakyReLU().forward(x), (z) => (z > 0 ? z : 0.01 * z));
    close(new nn.LeakyReLU(0.2).forward(x), (z) => (z > 0 ? z : 0.2 * z));
    close(new nn.Identity().forward(x), (z) => z);
    const s = new nn.Softmax(1).forward(x);
    expect(s.sum().item()).toBeCloseTo(1, 6);
    const ls = new nn.LogSoftmax(1).forward(x);
    Array.from(ls.values).forEach((v, i) => expect(Math.exp(v)).toBeCloseTo(s.values[i]!, 6));
  });

  it('have the derivatives g\'(z) the course gives', () => {
    const z = tensor([-1.5, 0.3, 2], { requiresGrad: true, dtype: 'float64' });
    const grad = (layer: kiln.nn.Module): number[] => {
      z.grad = null;
      layer.forward(z).sum().backward();
      return Array.from(z.grad!.values);
    };
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    grad(new nn.Sigmoid()).forEach((g, i) => expect(g).toBeCloseTo(sig(z.values[i]!) * (1 - sig(z.values[i]!)), 12));
    grad(new nn.Tanh()).forEach((g, i) => expect(g).toBeCloseTo(1 - Math.tanh(z.values[i]!) ** 2, 12));
    expect(grad(new nn.ReLU())).toEqual([0, 1, 1]);
    expect(grad(new nn.LeakyReLU(0.1))).toEqual([0.1, 1, 1]);
    expect(grad(new nn.Identity())).toEqual([1, 1, 1]);
  });

  it('PReLU learns its slope', () => {
    // Targets made with slope 0.3: gradient descent on the slope alone must find it.
    const p = new nn.PReLU();
    expect(p.weight.item()).toBe(0.25);
    const inputs = tensor([[-2], [-1], [1], [3]]);
    const targets = tensor([[-0.6], [-0.3], [1], [3]]);
    const opt = new optim.SGD(p.parameters(), { lr: 0.1 });
    for (let i = 0; i < 200; i++) {
      opt.zeroGrad();
      nn.functional.mseLoss(p.forward(inputs), targets).backward();
      opt.step();
    }
    expect(p.weight.item()).toBeCloseTo(0.3, 4);
    const perChannel = new nn.PReLU(3);
    expect(perChannel.forward(kiln.full([2, 3, 4], -1)).shape).toEqual([2, 3, 4]);
    expect(() => new nn.PReLU(0)).toThrow(kiln.ValueError);
  });

  it('round-trip through their configs', () => {
    for (const layer of [new nn.Sigmoid(), new nn.Tanh(), new nn.ReLU(), new nn.LeakyReLU(0.3), new nn.PReLU(2, 0.1), new nn.Softmax(0), new nn.LogSoftmax(1), new nn.Identity(), new nn.Flatten(1, 2)]) {
      expect(nn.fromConfig(layer.toConfig()).toConfig()).toEqual(layer.toConfig());
    }
  });
});

describe('activations by name', () => {
  it('makes each named activation, and names it back', () => {
    const z = kiln.tensor([[-2, 0.5]]);
    const expected: Record<string, number[]> = {
      sigmoid: [1 / (1 + Math.exp(2)), 1 / (1 + Math.exp(-0.5))], tanh: [Math.tanh(-2), Math.tanh(0.5)], relu: [0, 0.5],
      leakyRelu: [-0.02, 0.5], softmax: [Math.exp(-2) / (Math.exp(-2) + Math.exp(0.5)), Math.exp(0.5) / (Math.exp(-2) + Math.exp(0.5))], linear: [-2, 0.5],
    };
    for (const name of kiln.nn.ACTIVATION_NAMES) {
      const layer = kiln.nn.activation(name);
      Array.from(layer.forward(z).values).forEach((v, i) => expect(v).toBeCloseTo(expected[name]![i]!, 6));
      expect(kiln.nn.activationName(layer)).toBe(name);
    }
    expect(kiln.nn.activationName(new kiln.nn.Linear(2, 2))).toBeNull();
    expect(() => kiln.nn.activation('swish' as never)).toThrow('activation: no activation named "swish"; choose one of sigmoid, tanh, relu, leakyRelu, softmax, linear');
  });
});
