import { describe, expect, it } from 'vitest';
import { DEFAULTS, checkNumber, fromQuery, lossesFor, problems, toQuery, variantOf, withDataset } from './state.js';
import type { Settings } from './state.js';

describe('playground settings and the URL', () => {
  it('leaves the defaults out of the URL, and reads an empty URL as the defaults', () => {
    expect(toQuery(DEFAULTS)).toBe('');
    expect(fromQuery('')).toEqual({ settings: DEFAULTS, warnings: [] });
  });

  it('round-trips every kind of setting through the URL', () => {
    const s: Settings = {
      ...DEFAULTS, dataset: 'spirals', samples: 600, noise: 0.35, testFraction: 0.3,
      hidden: [{ units: 8, activation: 'relu' }, { units: 5, activation: 'leakyRelu' }, { units: 3, activation: 'sigmoid' }, { units: 2, activation: 'linear' }],
      output: 'sigmoid', loss: 'mse', init: 'xavier', optimizer: 'rmsprop', lr: 0.003, decay: 0.5, beta1: 0.8, beta2: 0.99, eps: 1e-7,
      batch: 'mini', batchSize: 16, l2: 0.7, l1: 0.02, keepProb: 0.8, seed: 42, digitModel: 'mlp', showTest: false, discretize: true,
      features: ['x1', 'x1sq', 'x1x2', 'sinx2'], compare: 'optimizer:momentum',
    };
    const q = toQuery(s);
    expect(q).toContain('hidden=8r-5l-3s-2i');
    expect(q).toContain('features=x1%2Cx1sq%2Cx1x2%2Csinx2');
    expect(fromQuery(q)).toEqual({ settings: s, warnings: [] });
    expect(fromQuery(toQuery({ ...DEFAULTS, hidden: [] })).settings.hidden).toEqual([]);
  });

  it('makes side by side\'s second network: the same settings with the one change compared', () => {
    const a = { ...withDataset(DEFAULTS, 'circles'), lr: 0.05 };
    expect(variantOf(a)).toBeNull();
    expect(variantOf({ ...a, compare: 'init:zeros' })).toEqual({ ...a, init: 'zeros', compare: '' });
    expect(variantOf({ ...a, compare: 'optimizer:sgd' })).toEqual({ ...a, optimizer: 'sgd', compare: '' });
    expect(variantOf({ ...a, compare: 'keepProb:0.5' })!.keepProb).toBe(0.5);
    expect(variantOf({ ...a, compare: 'lr:x10' })!.lr).toBeCloseTo(0.5, 12);
    expect(variantOf({ ...a, compare: 'lr:x0.1' })!.lr).toBeCloseTo(0.005, 12);
    expect(fromQuery('dataset=circles&compare=init:ones').warnings[0]).toMatch(/^compare=init:ones is not one of init:zeros, init:he, /);
  });

  it('opens a mangled link with the defaults for what it cannot read, saying what and why', () => {
    const { settings, warnings } = fromQuery('dataset=mars&lr=-1&samples=12.5&hidden=4t-x&keepProb=&unknown=1&optimizer=sgd&discretize=yes');
    expect(settings).toEqual(DEFAULTS);
    expect(warnings).toEqual([
      'dataset=mars is not one of beans, flower, circles, moons, spirals, xor, blobs, plane, gaussians, csv, digits; using beans',
      'samples must be a whole number from 10 to 5000, got 12.5; using 100',
      'lr must be a number from 0.000001 to 10, got -1; using 0.03',
      'keepProb must be a number from 0.05 to 1, got NaN; using 1',
      'discretize=yes is not true or false; using false',
      'hidden=4t-x is not a list like 4t-3r (units, then t tanh, r relu, l leaky ReLU, s sigmoid, i linear); using 2s',
    ]);
  });

  it('pairs each output with its losses, and repairs a link that mismatches them', () => {
    expect(lossesFor('softmax')).toEqual(['crossEntropy']);
    expect(lossesFor('sigmoid')).toEqual(['bce', 'mse']);
    const { settings, warnings } = fromQuery('output=softmax&loss=bce');
    expect(settings.loss).toBe('crossEntropy');
    expect(warnings).toEqual(['loss=bce does not go with output=softmax; using crossEntropy']);
  });

  it('switches to what fits a data set: softmax for blobs, a wider net off beans, sigmoid back', () => {
    const blobs = withDataset(DEFAULTS, 'blobs');
    expect([blobs.output, blobs.loss, blobs.samples, blobs.hidden[0]!.units]).toEqual(['softmax', 'crossEntropy', 400, 4]);
    const flower = withDataset(blobs, 'flower');
    expect([flower.output, flower.loss]).toEqual(['sigmoid', 'bce']);
    // A link names the data set and what differs from where that set starts.
    expect(toQuery(withDataset(DEFAULTS, 'moons'))).toBe('dataset=moons');
    expect(fromQuery('dataset=moons').settings).toEqual(withDataset(DEFAULTS, 'moons'));
    expect(fromQuery('dataset=moons&lr=0.2').settings).toEqual({ ...withDataset(DEFAULTS, 'moons'), lr: 0.2 });
    // Back on the beans: the course's set-up exactly.
    const beans = withDataset(flower, 'beans');
    expect(beans).toMatchObject({ samples: 100, testFraction: 0, hidden: [{ units: 2, activation: 'sigmoid' }], output: 'sigmoid', loss: 'mse', optimizer: 'sgd', lr: 0.03, batch: 'one', epochs: 5000 });
    expect(withDataset(beans, 'moons')).toMatchObject({ samples: 400, testFraction: 0.2, loss: 'bce', optimizer: 'adam', batch: 'full', epochs: 0 });
  });

  it('lists every problem of a settings object with no small fixed limits on the network', () => {
    expect(problems(DEFAULTS)).toEqual([]);
    expect(problems({ ...DEFAULTS, hidden: Array.from({ length: 20 }, () => ({ units: 300, activation: 'relu' as const })) })).toEqual([]);
    expect(problems({ ...DEFAULTS, lr: 0, hidden: [{ units: 0, activation: 'tanh' }], output: 'linear', loss: 'bce' })).toEqual([
      'lr must be a number from 0.000001 to 10, got 0',
      'layer 1 needs 1 to 512 units, got 0',
      'the linear output goes with mse, not bce',
    ]);
    expect(() => checkNumber('batchSize', 0)).toThrow('batchSize must be a whole number from 1 to 4096, got 0');
  });
});
