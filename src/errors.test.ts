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
    ['lr: 0', () => new optim.SGD(p(), { lr: 0 }), /SGD: lr must be > 0, got 0/],
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

describe('nothing silent, nothing half done', () => {
  it('says what a tensor was given that is not a number', () => {
    expect(() => kiln.tensor('a' as never)).toThrow(/tensor: element 0 is the string "a"; tensors hold numbers/);
    expect(() => kiln.tensor([true] as never)).toThrow(/is a boolean \(true\); tensors hold numbers/);
    expect(() => kiln.tensor([[1, 2], [3]])).toThrow(/ragged/);
  });

  it('refuses a gradcheck of a non-function, and metadata that JSON cannot hold', () => {
    expect(() => kiln.gradcheck('x' as never, [])).toThrow('gradcheck: the first argument must be a function of the inputs, (...xs) => a tensor, got string');
    const m = new nn.Linear(2, 1);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => kiln.serializeModel(m, circular)).toThrow(/save: the metadata cannot be written as JSON .*keep it to plain numbers/);
    expect(() => kiln.serializeModelFile(m, { big: 10n })).toThrow(ValueError);
  });

  it('loadStateDict is all or nothing: a misfit leaves every parameter as it was', () => {
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const before = net.parameters().map((t) => Array.from(t.values));
    const state = { '0.weight': kiln.ones([3, 2]), '0.bias': kiln.ones([3]), '1.weight': kiln.ones([1, 4]), '1.bias': kiln.ones([1]) };
    expect(() => net.loadStateDict(state)).toThrow('loadStateDict: 1.weight has shape [1, 4] in the state but [1, 3] in the model');
    expect(net.parameters().map((t) => Array.from(t.values))).toEqual(before);
  });

  it('refuses a weights file with a tensor named __proto__, which would slip past strict loading', () => {
    const json = new TextEncoder().encode('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const bytes = new Uint8Array(8 + json.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    expect(() => kiln.decodeSafetensors(bytes)).toThrow('weights: not a valid safetensors file: a tensor is named "__proto__", which no model has');
  });

  it('refuses a NaN or infinite loss in evaluation and in fit\'s validation, saying where', async () => {
    const model = new nn.Linear(2, 1);
    const data = new kiln.TensorDataset(kiln.ones([4, 2]), kiln.ones([4, 1]));
    kiln.noGrad(() => model.weight.fill_(NaN));
    await expect(kiln.evaluate(model, data, { loss: 'mseLoss' })).rejects.toThrow(/evaluate: the loss is NaN on batch 1: the model's outputs are not finite/);
    const fresh = new nn.Linear(2, 1);
    const huge = new kiln.TensorDataset(kiln.full([4, 2], 3e38), kiln.ones([4, 1]));
    await expect(kiln.fit(fresh, data, { epochs: 2, loss: 'mseLoss', optimizer: new optim.SGD(fresh.parameters(), { lr: 0.01 }), validationData: huge }))
      .rejects.toThrow(/fit: at epoch 1, on the validation data: evaluate: the loss is (Infinity|NaN)/);
  });
});
