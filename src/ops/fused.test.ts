import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import type { Tensor } from '../index.js';

// linear, conv2d's bias, mseLoss and ReLU's backward are single fused ops (per-op overhead is the
// whole cost of per-sample training). The composite of primitive ops stays the source of truth:
// each fused op must give the composite's values and gradients.

const F = kiln.nn.functional;

/** Values of f(...inputs) and the gradient of its sum for each input, on fresh float64 leaves. */
function valuesAndGrads(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): number[][] {
  const leaves = inputs.map((t) => t.detach().requiresGrad_());
  const out = f(...leaves);
  out.sum().backward();
  return [Array.from(out.values), ...leaves.map((l) => Array.from(l.grad!.values))];
}

function expectSame(fused: number[][], composite: number[][]): void {
  expect(fused.length).toBe(composite.length);
  fused.forEach((a, i) => a.forEach((v, j) => expect(v).toBeCloseTo(composite[i]![j]!, 12)));
}

describe('fused ops equal their composites', () => {
  kiln.manualSeed(5);
  const r = (...shape: number[]): Tensor => kiln.randn(shape, { dtype: 'float64' });

  it('linear = x·Wᵀ + b, for 2-D and 3-D inputs and a single example (whose bias gradient is its own row)', () => {
    for (const x of [r(5, 3), r(2, 4, 3), r(1, 3), r(3)]) {
      const w = r(6, 3), b = r(6);
      expectSame(valuesAndGrads((x, w, b) => F.linear(x, w, b), [x, w, b]), valuesAndGrads((x, w, b) => x.matmul(w.transpose(0, 1)).add(b), [x, w, b]));
    }
  });

  it('conv2d with bias = conv2d without + bias per channel', () => {
    const x = r(2, 3, 6, 5), w = r(4, 3, 3, 3), b = r(4);
    expectSame(
      valuesAndGrads((x, w, b) => F.conv2d(x, w, b, { padding: 1 }), [x, w, b]),
      valuesAndGrads((x, w, b) => F.conv2d(x, w, null, { padding: 1 }).add(b.reshape(1, 4, 1, 1)), [x, w, b]),
    );
  });

  it('conv2dReluMaxPool = maxPool2d(relu(conv2d)), overlapping windows, strides, odd sizes, no bias, float64 and float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      // float32 runs on the default backend's fused kernel; float64 on the js one (the composition)
      const same = (a: number[][], b: number[][]): void => (dtype === 'float64' ? expectSame(a, b) : a.forEach((v, i) => v.forEach((u, j) => expect(u).toBeCloseTo(b[i]![j]!, 4))));
      const x = kiln.randn([3, 2, 11, 9], { dtype }), w = kiln.randn([7, 2, 3, 3], { dtype }), b = kiln.randn([7], { dtype });
      let clipped = false;
      for (const [kernelSize, stride, conv] of [[2, 2, { padding: 1 }], [3, 2, { padding: 1 }], [2, 1, { stride: [1, 2] }], [[2, 3], [1, 2], { dilation: 2 }]] as const) {
        const pool = { kernelSize: kernelSize as number | [number, number], stride: stride as number | [number, number] };
        const options = conv as kiln.nn.functional.Conv2dOptions;
        const fused = valuesAndGrads((x, w, b) => F.conv2dReluMaxPool(x, w, b, { ...options, pool }), [x, w, b]);
        const composite = valuesAndGrads((x, w, b) => F.maxPool2d(F.relu(F.conv2d(x, w, b, options)), pool.kernelSize, { stride: pool.stride }), [x, w, b]);
        same(fused, composite);
        clipped ||= fused[0]!.some((v) => v === 0);
      }
      expect(clipped).toBe(true); // some windows lie wholly below the ReLU's kink
      same(valuesAndGrads((x, w) => F.conv2dReluMaxPool(x, w, null, { pool: { kernelSize: 2 } }), [x, w]), valuesAndGrads((x, w) => F.maxPool2d(F.relu(F.conv2d(x, w)), 2), [x, w]));
    }
  });

  it('without a gradient to take (noGrad, or no input requiring one), max pooling and the fused op give the same values', () => {
    const x = kiln.randn([2, 3, 13, 10]), w = kiln.randn([5, 3, 3, 3]), b = kiln.randn([5]);
    for (const pool of [{ kernelSize: 2 }, { kernelSize: 3, stride: 2 }] as const) {
      const fused = (): Tensor => F.conv2dReluMaxPool(x, w, b, { padding: 1, pool });
      const plain = (): Tensor => F.maxPool2d(x, pool.kernelSize, { stride: pool.stride });
      for (const op of [fused, plain]) {
        const inference = Array.from(kiln.noGrad(op).values);
        const leaf = x.detach().requiresGrad_();
        const trained = op === fused ? F.conv2dReluMaxPool(leaf, w, b, { padding: 1, pool }) : F.maxPool2d(leaf, pool.kernelSize, { stride: pool.stride });
        expect(trained.requiresGrad).toBe(true);
        expect(inference).toEqual(Array.from(trained.values));
        expect(Array.from(op().values)).toEqual(inference); // no input requires a gradient
      }
    }
  });

  it('conv2dReluMaxPool refuses what it does not fuse, naming the way out', () => {
    const x = kiln.randn([1, 2, 6, 6]), w = kiln.randn([2, 1, 3, 3]);
    expect(() => F.conv2dReluMaxPool(x, w, null, { groups: 2, pool: { kernelSize: 2 } })).toThrow('grouped convolutions are not fused; use conv2d, relu and maxPool2d');
    expect(() => F.conv2dReluMaxPool(x, kiln.randn([2, 2, 3, 3]), null, { pool: { kernelSize: 2, strid: 1 } as never })).toThrow(/strid/);
  });

  it('linearActivation = sigmoid, tanh or relu of linear, bit for bit, with and without a bias, in float32 and float64, small and large', () => {
    // [m, k] inputs by [n, k] weights: up to 512 multiply-adds the small layer's direct loops (one
    // example, whose bias gradient is its own row, and several); past it, the kernels.
    for (const [m, k, n] of [[9, 5, 4], [1, 5, 4], [1, 1, 2], [40, 30, 20]] as const) {
      for (const dtype of ['float32', 'float64'] as const) {
        const x = kiln.randn([m, k], { dtype }), w = kiln.randn([n, k], { dtype }), b = kiln.randn([n], { dtype });
        for (const activation of ['sigmoid', 'tanh', 'relu'] as const) {
          const apply = F[activation];
          // Exactly equal: the same sums and roundings as the product, bias and activation kernels, and the backward kernels.
          expect(valuesAndGrads((x, w, b) => F.linearActivation(x, w, b, activation), [x, w, b])).toEqual(valuesAndGrads((x, w, b) => apply(F.linear(x, w, b)), [x, w, b]));
          expect(valuesAndGrads((x, w) => F.linearActivation(x, w, null, activation), [x, w])).toEqual(valuesAndGrads((x, w) => apply(F.linear(x, w)), [x, w]));
          // Gradients for the parameters only (an input batch needs none), as in training.
          const [wf, bf, wc, bc] = [w, b, w, b].map((t) => t.detach().requiresGrad_());
          F.linearActivation(x, wf!, bf!, activation).sum().backward();
          apply(F.linear(x, wc!, bc!)).sum().backward();
          expect([Array.from(wf!.grad!.values), Array.from(bf!.grad!.values)]).toEqual([Array.from(wc!.grad!.values), Array.from(bc!.grad!.values)]);
          const leaf = x.detach().requiresGrad_();
          expect(F.linearActivation(leaf, w, b, activation).gradFn!.name).toBe(`linear${activation[0]!.toUpperCase()}${activation.slice(1)}`);
        }
      }
    }
    // NaN stays NaN through relu, as in the kernel
    expect(Number.isNaN(F.linearActivation(kiln.tensor([[NaN]]), kiln.tensor([[1], [2]]), null, 'relu').values[1]!)).toBe(true);
    // relu cut some units, so its backward's mask was exercised
    expect(F.linearActivation(kiln.randn([9, 5]), kiln.randn([4, 5]), null, 'relu').values.some((v) => v === 0)).toBe(true);
  });

  it('linearActivation takes 1-D and 3-D inputs as linear does, records nothing without a gradient to take, and refuses a wrong activation or shape', () => {
    const w = r(3, 4), b = r(3);
    for (const x of [r(4), r(2, 5, 4)]) {
      expectSame(valuesAndGrads((x, w, b) => F.linearActivation(x, w, b, 'tanh'), [x, w, b]), valuesAndGrads((x, w, b) => F.linear(x, w, b).tanh(), [x, w, b]));
    }
    const y = F.linearActivation(r(2, 4), w, b, 'sigmoid');
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => F.linearActivation(r(2, 4), w, b, 'softmax' as never)).toThrow('activation must be one of sigmoid, tanh, relu, got "softmax"');
    expect(() => F.linearActivation(r(2, 4), w, b, 'constructor' as never)).toThrow('activation must be one of sigmoid, tanh, relu, got "constructor"');
    expect(() => F.linearActivation(r(2, 5), w, b, 'relu')).toThrow('input [2, 5] has 5 features but the weight [3, 4] expects 4');
    expect(() => F.linearActivation(r(2, 4), w, r(4), 'relu')).toThrow('bias must be [3]');
  });

  it('denseStack = its layers one by one, bit for bit: values and every gradient, mixed activations, with and without biases, float32 and float64', () => {
    type Layer = kiln.nn.functional.DenseLayer;
    const composed = (x: Tensor, layers: readonly Layer[]): Tensor => layers.reduce((h, l) => F.linearActivation(h, l.weight, l.bias, l.activation), x);
    // [rows, sizes…, activations]: the beans network, a deeper one, one example, and one past the
    // small size (40·30·20 multiply-adds: the layers' own ops).
    const cases: [number, number[], kiln.nn.functional.LinearActivation[]][] = [
      [1, [1, 2, 1], ['sigmoid', 'sigmoid']], [9, [5, 4, 3, 2], ['tanh', 'relu', 'sigmoid']], [1, [5, 4, 3], ['relu', 'tanh']], [40, [30, 20, 2], ['sigmoid', 'tanh']],
    ];
    for (const [m, sizes, activations] of cases) {
      for (const dtype of ['float32', 'float64'] as const) {
        for (const withBias of [true, false]) {
          const params = activations.flatMap((_, l) => [kiln.randn([sizes[l + 1]!, sizes[l]!], { dtype }), ...(withBias || l === 0 ? [kiln.randn([sizes[l + 1]!], { dtype })] : [])]);
          const layersOf = (ps: Tensor[]): Layer[] => {
            let at = 0;
            return activations.map((activation, l) => ({ weight: ps[at++]!, bias: withBias || l === 0 ? ps[at++]! : null, activation }));
          };
          const x = kiln.randn([m, sizes[0]!], { dtype });
          expect(valuesAndGrads((x, ...ps) => F.denseStack(x, layersOf(ps)), [x, ...params])).toEqual(valuesAndGrads((x, ...ps) => composed(x, layersOf(ps)), [x, ...params]));
          // As in training: the parameters need gradients, the batch none.
          const grads = (f: typeof composed): number[][] => {
            const ps = params.map((p) => p.detach().requiresGrad_());
            f(x, layersOf(ps)).sum().backward();
            return ps.map((p) => Array.from(p.grad!.values));
          };
          expect(grads(F.denseStack)).toEqual(grads(composed));
        }
      }
    }
    const [w1, b1, w2, b2] = [r(4, 3), r(4), r(2, 4), r(2)].map((t) => t.detach());
    const x = r(3, 3);
    // Only the last layer trains (the first frozen): its gradients alone, equal to the composition's.
    w2!.requiresGrad_();
    b2!.requiresGrad_();
    const frozen = (f: typeof composed): number[][] => {
      w2!.grad = null; b2!.grad = null;
      f(x, [{ weight: w1!, bias: b1!, activation: 'tanh' }, { weight: w2!, bias: b2!, activation: 'sigmoid' }]).sum().backward();
      return [Array.from(w2!.grad!.values), Array.from(b2!.grad!.values)];
    };
    expect(frozen(F.denseStack)).toEqual(frozen(composed));
    expect(w1!.grad).toBeNull();
    // Nothing to differentiate: nothing recorded.
    expect(F.denseStack(x, [{ weight: w1!, bias: b1!, activation: 'tanh' }]).gradFn).toBeNull();
    // A float64 gradient handed to a float32 stack goes through the layers as the composition's does.
    const x32 = kiln.randn([2, 3]), l32 = [{ weight: kiln.randn([4, 3]).requiresGrad_(), bias: kiln.randn([4]).requiresGrad_(), activation: 'sigmoid' as const }, { weight: kiln.randn([2, 4]).requiresGrad_(), bias: null, activation: 'relu' as const }];
    const g64 = kiln.randn([2, 2], { dtype: 'float64' });
    const byGradient = (f: typeof composed): number[][] => {
      for (const l of l32) { l.weight.grad = null; if (l.bias) l.bias.grad = null; }
      f(x32, l32).backward(g64);
      return [Array.from(l32[0]!.weight.grad!.values), Array.from(l32[0]!.bias!.grad!.values), Array.from(l32[1]!.weight.grad!.values)];
    };
    expect(byGradient(F.denseStack)).toEqual(byGradient(composed));
  });

  it('denseStack refuses what its layers refuse, with their messages', () => {
    const x = r(2, 3);
    expect(() => F.denseStack(x, [{ weight: r(4, 3), bias: null, activation: 'tanh' }, { weight: r(2, 5), bias: null, activation: 'tanh' }])).toThrow('input [2, 4] has 4 features but the weight [2, 5] expects 5');
    expect(() => F.denseStack(x, [{ weight: r(4, 3), bias: r(3), activation: 'tanh' }])).toThrow('bias must be [4]');
    expect(() => F.denseStack(x, [{ weight: r(4, 3), bias: null, activation: 'gelu' as never }])).toThrow('activation must be one of sigmoid, tanh, relu, got "gelu"');
    // A name that Object.prototype has is not an activation either.
    expect(() => F.denseStack(x, [{ weight: r(4, 3), bias: null, activation: 'toString' as never }])).toThrow('activation must be one of sigmoid, tanh, relu, got "toString"');
  });

  it("mseLoss = mean((ŷ − y)²), and the sum for reduction 'sum'", () => {
    const p = r(7, 2), y = r(7, 2);
    expectSame(valuesAndGrads((p, y) => F.mseLoss(p, y), [p, y]), valuesAndGrads((p, y) => p.sub(y).mul(p.sub(y)).mean(), [p, y]));
    expectSame(valuesAndGrads((p, y) => F.mseLoss(p, y, 'sum'), [p, y]), valuesAndGrads((p, y) => p.sub(y).mul(p.sub(y)).sum(), [p, y]));
  });

  it("sigmoid's and tanh's backward = g·σ(1 − σ) and g·(1 − tanh²)", () => {
    const x = r(30);
    expectSame(valuesAndGrads((x) => x.sigmoid(), [x]), valuesAndGrads((x) => kiln.tensor(1, { dtype: 'float64' }).div(x.neg().exp().add(1)), [x]));
    expectSame(valuesAndGrads((x) => x.tanh(), [x]), valuesAndGrads((x) => x.exp().sub(x.neg().exp()).div(x.exp().add(x.neg().exp())), [x]));
  });

  it("relu's backward = gradient × (x > 0)", () => {
    const x = r(40), g = r(40);
    const leaf = x.detach().requiresGrad_();
    F.relu(leaf).mul(g).sum().backward();
    // (+0 where the composite gives −0 for a negative gradient times 0: equal as numbers)
    expect(Array.from(leaf.grad!.values)).toEqual(Array.from(g.mul(x.gt(0)).values, (v) => v + 0));
  });
});
