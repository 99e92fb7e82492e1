import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { FormatError } from '../index.js';
import { MAX_NESTING, expectedTensors } from './expected-weights.js';

const { nn, models } = kiln;

/** A model's real tensors, name → shape. */
const actual = (m: kiln.nn.Module): Map<string, number[]> => new Map(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]]));

describe('the tensors an architecture needs, read from its config alone', () => {
  it('are exactly the tensors the built model has, for every layer type and the zoo', () => {
    const every = new nn.Sequential(
      new nn.Conv2d(3, 8, [3, 5], { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 8, 3, { groups: 4, bias: false }), new nn.BatchNorm2d(8, { affine: false }), new nn.AvgPool2d(2), new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(), new nn.Dropout(0.2), new nn.Linear(8, 6), new nn.BatchNorm1d(6), new nn.PReLU(6, 0.01), new nn.LeakyReLU(0.1),
      new nn.Sequential(new nn.Linear(6, 4, { bias: false }), new nn.Tanh(), new nn.Sigmoid(), new nn.Identity()), new nn.Linear(4, 3), new nn.Softmax(1), new nn.LogSoftmax(1));
    for (const m of [every, models.lenet5(), models.lenet5({ inChannels: 3, pool: 'max', activation: 'relu' }), models.alexnet()]) {
      expect(expectedTensors(m.toConfig(), 'test')).toEqual(actual(m));
    }
  });

  it('refuse nesting beyond a sane depth and nonsense sizes before building anything', () => {
    let deep: kiln.nn.ModuleConfig = { type: 'Linear', inFeatures: 1, outFeatures: 1 };
    for (let i = 0; i < 5000; i++) deep = { type: 'Sequential', layers: [deep] };
    expect(() => expectedTensors(deep, 'model.json')).toThrow(`model.json: layers nest more than ${MAX_NESTING} deep`);
    expect(() => expectedTensors({ type: 'Linear', inFeatures: -3, outFeatures: 2 }, 'm')).toThrow(FormatError);
    expect(() => expectedTensors({ type: 'Linear', inFeatures: 1e400, outFeatures: 2 }, 'm')).toThrow(/whole number/);
    expect(expectedTensors({ type: 'MyCustomLayer' }, 'm')).toBeNull();
  });
});

describe('loading is bounded by the file', () => {
  const doc = (architecture: object): string => JSON.stringify({ format: 'kiln-model', version: 1, architecture, metadata: {} });

  it('refuses a small model file that declares a huge layer, without allocating it', () => {
    const tiny = kiln.serializeModelFile(new nn.Sequential(new nn.Linear(2, 1)));
    const { tensors } = kiln.decodeSafetensors(tiny);
    const hostile = kiln.encodeSafetensors(tensors, { 'kiln.model': doc({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 30000, outFeatures: 30000 }] }) });
    const before = process.memoryUsage().arrayBuffers;
    expect(() => kiln.deserializeModelFile(hostile, 'm.safetensors')).toThrow('m.safetensors: the weights do not fit the architecture: 0.weight is [1, 2] in the weights but the architecture needs [30000, 30000]');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    const huge = kiln.encodeSafetensors(tensors, { 'kiln.model': doc({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 1e9, outFeatures: 1e9 }] }) });
    expect(() => kiln.deserializeModelFile(huge)).toThrow(FormatError);
    let deep: object = { type: 'Linear', inFeatures: 2, outFeatures: 1 };
    for (let i = 0; i < 1000; i++) deep = { type: 'Sequential', layers: [deep] };
    expect(() => kiln.deserializeModelFile(kiln.encodeSafetensors(tensors, { 'kiln.model': doc(deep) }))).toThrow(/nest more than 64 deep/);
  });

  it('refuses weights of another dtype than the architecture\'s layer', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3));
    const { tensors } = kiln.decodeSafetensors(kiln.serializeModelFile(m));
    const as64 = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.double()]));
    expect(() => kiln.deserializeModelFile(kiln.encodeSafetensors(as64, { 'kiln.model': doc(m.toConfig()) }))).toThrow(/0.weight is float64 in the weights but the architecture's layer is float32/);
    const m64 = new nn.Sequential(new nn.Linear(2, 3, { dtype: 'float64' }));
    expect(kiln.deserializeModelFile(kiln.serializeModelFile(m64)).model.parameters()[0]!.dtype).toBe('float64');
  });

  it('refuses weights the architecture has no place for, or lacks', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const { tensors } = kiln.decodeSafetensors(kiln.serializeModelFile(m));
    const extra = kiln.encodeSafetensors({ ...tensors, sneaky: kiln.ones([2]) }, { 'kiln.model': doc(m.toConfig()) });
    expect(() => kiln.deserializeModelFile(extra)).toThrow(/the weights hold sneaky, which the architecture has no place for/);
    const { '1.bias': _, ...less } = tensors;
    void _;
    expect(() => kiln.deserializeModelFile(kiln.encodeSafetensors(less, { 'kiln.model': doc(m.toConfig()) }))).toThrow(/the architecture needs 1.bias, which the weights do not hold/);
  });
});
