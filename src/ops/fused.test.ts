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
  return [Array.from(out.data), ...leaves.map((l) => Array.from(l.grad!.data))];
}

function expectSame(fused: number[][], composite: number[][]): void {
  expect(fused.length).toBe(composite.length);
  fused.forEach((a, i) => a.forEach((v, j) => expect(v).toBeCloseTo(composite[i]![j]!, 12)));
}

describe('fused ops equal their composites', () => {
  kiln.manualSeed(5);
  const r = (...shape: number[]): Tensor => kiln.randn(shape, { dtype: 'float64' });

  it('linear = x·Wᵀ + b, for 2-D and 3-D inputs', () => {
    for (const x of [r(5, 3), r(2, 4, 3)]) {
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

  it('conv2d with relu = relu(conv2d), with and without bias, in float64 and float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = kiln.randn([2, 3, 7, 6], { dtype }), w = kiln.randn([5, 3, 3, 3], { dtype }), b = kiln.randn([5], { dtype });
      const opts = { padding: 1, stride: [1, 2] as [number, number] };
      // float32 runs on the default backend's kernels (wasm's fuse the ReLU into the conv's stores)
      const same = (a: number[][], b: number[][]): void => (dtype === 'float64' ? expectSame(a, b) : a.forEach((v, i) => v.forEach((u, j) => expect(u).toBeCloseTo(b[i]![j]!, 4))));
      const fused = valuesAndGrads((x, w, b) => F.conv2d(x, w, b, { ...opts, relu: true }), [x, w, b]);
      same(fused, valuesAndGrads((x, w, b) => F.relu(F.conv2d(x, w, b, opts)), [x, w, b]));
      expect(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0)).toBe(true); // both sides of the ReLU
      same(valuesAndGrads((x, w) => F.conv2d(x, w, null, { relu: true }), [x, w]), valuesAndGrads((x, w) => F.relu(F.conv2d(x, w)), [x, w]));
    }
  });

  it('conv2d with maxPool (and relu) = maxPool2d(relu(conv2d)), overlapping windows and odd sizes too', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const same = (a: number[][], b: number[][]): void => (dtype === 'float64' ? expectSame(a, b) : a.forEach((v, i) => v.forEach((u, j) => expect(u).toBeCloseTo(b[i]![j]!, 4))));
      const x = kiln.randn([3, 2, 11, 9], { dtype }), w = kiln.randn([7, 2, 3, 3], { dtype }), b = kiln.randn([7], { dtype });
      for (const [relu, kernelSize, stride] of [[true, 2, 2], [true, 3, 2], [false, 2, 1], [true, [2, 3], [1, 2]]] as const) {
        const maxPool = { kernelSize: kernelSize as number | [number, number], stride: stride as number | [number, number] };
        const fused = valuesAndGrads((x, w, b) => F.conv2d(x, w, b, { padding: 1, relu, maxPool }), [x, w, b]);
        const composite = valuesAndGrads((x, w, b) => {
          const y = F.conv2d(x, w, b, { padding: 1 });
          return F.maxPool2d(relu ? F.relu(y) : y, maxPool.kernelSize, { stride: maxPool.stride });
        }, [x, w, b]);
        same(fused, composite);
      }
    }
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
    expect(Array.from(leaf.grad!.data)).toEqual(Array.from(g.mul(x.gt(0)).data, (v) => v + 0));
  });
});
