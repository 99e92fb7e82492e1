import { describe, expect, it } from 'vitest';
import * as kiln from './index.js';
import { KilnError, ValueError } from './index.js';

// Every failure a user can cause is a KilnError that says what was wrong: sizes too large to
// allocate, and hyperparameters that are out of range or not finite.

const { nn, optim } = kiln;
const p = (): kiln.Tensor[] => [kiln.tensor([1], { requiresGrad: true })];

describe('sizes too large to allocate', () => {
  it('name the op, the shape and the bytes instead of a RangeError', () => {
    expect(() => kiln.zeros([1e6, 1e6])).toThrow('cannot allocate full: a tensor of shape [1000000, 1000000] of 1,000,000,000,000 float32 elements (4.00 TB)');
    for (const make of [
      () => kiln.randn([1e6, 1e6]), () => kiln.full([1e5, 1e5, 10], 1), () => kiln.eye(1e6), () => kiln.arange(0, 1e10),
      () => new nn.Linear(1e5, 1e5), () => new nn.Conv2d(1e4, 1e4, 100), () => kiln.ones([1e5, 1]).matmul(kiln.ones([1, 1e5])),
    ]) {
      expect(make).toThrow(ValueError);
      expect(make).toThrow(/cannot allocate .* elements \([\d.]+ [KMGTP]?B\)/);
    }
  });
});

describe('hyperparameters out of range or not finite', () => {
  it.each([
    ['lr: Infinity', () => new optim.SGD(p(), { lr: Infinity }), /SGD: lr must be a finite number ≥ 0, got Infinity/],
    ['SGD momentum 1.5', () => new optim.SGD(p(), { lr: 0.1, momentum: 1.5 }), /SGD: momentum must be ≥ 0 and < 1, got 1.5/],
    ['RMSprop momentum 2', () => new optim.RMSprop(p(), { momentum: 2 }), /RMSprop: momentum must be ≥ 0 and < 1, got 2/],
    ['RMSprop alpha 1', () => new optim.RMSprop(p(), { alpha: 1 }), /RMSprop: alpha must be ≥ 0 and < 1, got 1/],
    ['LeakyReLU(Infinity)', () => new nn.LeakyReLU(Infinity), /LeakyReLU: negativeSlope must be a finite number/],
    ['Adam betas as a number', () => new optim.Adam(p(), { betas: 0.9 as never }), /Adam: betas must be a pair \[β₁, β₂\] such as \[0.9, 0.999\], got 0.9/],
    ['a learning rate set to NaN', () => { new optim.Adam(p()).lr = NaN; }, /Adam: lr must be a number/],
  ] as const)('%s', (_, make, message) => {
    expect(make).toThrow(KilnError);
    expect(make).toThrow(message);
  });
});
