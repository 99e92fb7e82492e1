import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { ValueError } from '../index.js';
import { INITS, buildNetwork, makeOptimizer } from './recipes.js';
import type { NetworkSpec } from './recipes.js';

const spec = (o: Partial<NetworkSpec>): NetworkSpec => ({
  inputShape: [2], hidden: [3], outputs: 1, activation: 'tanh', outputActivation: 'sigmoid', loss: 'bce', init: 'default', keepProb: 1, ...o,
});
const types = (m: kiln.nn.Sequential): string[] => m.layers.map((l) => l.toConfig().type);

describe('the CLI\'s network builder', () => {
  it('trains sigmoid + binary cross-entropy on logits and keeps the sigmoid for prediction', () => {
    const n = buildNetwork(spec({}));
    expect(n.loss).toBe('binaryCrossEntropyWithLogits');
    expect(types(n.train)).toEqual(['Linear', 'Tanh', 'Linear']);
    expect(types(n.keep)).toEqual(['Linear', 'Tanh', 'Linear', 'Sigmoid']);
    expect(n.keep.parameters()).toEqual(n.train.parameters()); // the same weights
  });

  it('trains softmax + cross-entropy on logits, and uses the output activation as is for MSE', () => {
    const ce = buildNetwork(spec({ outputs: 3, outputActivation: 'softmax', loss: 'crossEntropy' }));
    expect(ce.loss).toBe('crossEntropy');
    expect(types(ce.keep).at(-1)).toBe('Softmax');
    const mse = buildNetwork(spec({ loss: 'mse', hidden: [2, 2], activation: 'relu', keepProb: 0.5 }));
    expect(types(mse.train)).toEqual(['Linear', 'ReLU', 'Dropout', 'Linear', 'ReLU', 'Dropout', 'Linear', 'Sigmoid']);
    expect(mse.train.toConfig().layers).toContainEqual({ type: 'Dropout', p: 0.5 });
  });

  it('flattens image inputs for an MLP and records the input shape', () => {
    const n = buildNetwork(spec({ inputShape: [1, 28, 28], hidden: [16], outputs: 10, outputActivation: 'softmax', loss: 'crossEntropy' }));
    expect(types(n.train)).toEqual(['Flatten', 'Linear', 'Tanh', 'Linear']);
    expect(n.keep.inputShape).toEqual([1, 28, 28]);
    expect(n.keep.outputShape([4, 1, 28, 28])).toEqual([4, 10]);
  });

  it('refuses mismatched outputs and losses, and keep probabilities outside (0, 1]', () => {
    expect(() => buildNetwork(spec({ loss: 'crossEntropy' }))).toThrow('network: cross-entropy needs a softmax output, got sigmoid');
    expect(() => buildNetwork(spec({ outputActivation: 'linear' }))).toThrow(/binary cross-entropy needs a sigmoid output/);
    expect(() => buildNetwork(spec({ loss: 'mse', outputActivation: 'softmax' }))).toThrow(/softmax output goes with --loss crossEntropy/);
    expect(() => buildNetwork(spec({ keepProb: 0 }))).toThrow('network: keep probability must be > 0 and ≤ 1, got 0');
    expect(() => buildNetwork(spec({ keepProb: 1.2 }))).toThrow(ValueError);
  });

  it("makes the optimisers by name: momentum is the course's (β = 0.9), pytorch-momentum PyTorch's", () => {
    const p = new kiln.nn.Linear(2, 1).parameters();
    expect(makeOptimizer('momentum', p, 0.1)).toBeInstanceOf(kiln.optim.Momentum);
    expect(makeOptimizer('momentum', p, 0.1).hyperparameters).toMatchObject({ lr: 0.1, beta: 0.9 });
    expect(makeOptimizer('pytorch-momentum', p, 0.1).hyperparameters).toMatchObject({ lr: 0.1, momentum: 0.9, dampening: 0 });
    expect(makeOptimizer('adamw', p, 0.1)).toBeInstanceOf(kiln.optim.AdamW);
    expect(() => makeOptimizer('lbfgs', p, 0.1)).toThrow(/must be one of sgd, momentum, pytorch-momentum, rmsprop, adam, adamw/);
  });

  it("names the course's initialisations xavier and he, and Glorot's glorot", () => {
    expect(INITS).toMatchObject({ xavier: 'courseXavier', he: 'courseHe', glorot: 'xavierNormal', small: 'small' });
  });
});
