import { describe, expect, it } from 'vitest';
import * as kiln from './index.js';
import * as kilnNode from './node/index.js';
import { ValueError } from './index.js';

// Every options object of the public API refuses a key it does not know, naming it and the nearest
// valid one: a misspelt option would otherwise be ignored without a word.

const { nn, optim, data, models } = kiln;
const p = (): kiln.Tensor[] => [kiln.tensor([1, 2], { requiresGrad: true })];
const ds = (): kiln.TensorDataset => new kiln.TensorDataset(kiln.ones([4, 2]), kiln.ones([4, 1]));
const opt = (): kiln.optim.SGD => new optim.SGD(p(), { lr: 0.1 });

/** [what, the call with a misspelt key, the key, the suggestion or null]. */
const CASES: [string, () => unknown, string, string | null][] = [
  ['tensor', () => kiln.tensor([1], { dtpye: 'float64' } as never), 'dtpye', 'dtype'],
  ['zeros', () => kiln.zeros([2], { requiresgrad: true } as never), 'requiresgrad', 'requiresGrad'],
  ['randn', () => kiln.randn([2], { generater: null } as never), 'generater', 'generator'],
  ['Linear', () => new nn.Linear(2, 2, { inti: 'courseHe' } as never), 'inti', 'init'],
  ['Conv2d', () => new nn.Conv2d(1, 1, 3, { strides: 2 } as never), 'strides', 'stride'],
  ['MaxPool2d', () => new nn.MaxPool2d(2, { padd: 1 } as never), 'padd', 'padding'],
  ['BatchNorm1d', () => new nn.BatchNorm1d(2, { epsilon: 1e-3 } as never), 'epsilon', 'eps'],
  ['SGD', () => new optim.SGD(p(), { lr: 0.1, beta: 0.9 } as never), 'beta', null],
  ['Momentum', () => new optim.Momentum(p(), { lr: 0.1, betas: [0.9] } as never), 'betas', 'beta'],
  ['RMSprop', () => new optim.RMSprop(p(), { beta2: 0.9 } as never), 'beta2', null],
  ['Adam', () => new optim.Adam(p(), { beta: 0.9 } as never), 'beta', 'betas'],
  ['AdamW', () => new optim.AdamW(p(), { weight_decay: 0.1 } as never), 'weight_decay', 'weightDecay'],
  ['StepLR', () => new optim.StepLR(opt(), { step: 2 } as never), 'step', 'stepSize'],
  ['DataLoader', () => new kiln.DataLoader(ds(), { batch_size: 2 } as never), 'batch_size', 'batchSize'],
  ['trainTestSplit', () => kiln.trainTestSplit(ds(), { testSize: 0.5 } as never), 'testSize', null],
  ['EarlyStopping', () => new kiln.EarlyStopping({ patiance: 2 } as never), 'patiance', 'patience'],
  ['gradcheck', () => kiln.gradcheck((x) => x.sum(), [kiln.ones([1], { dtype: 'float64', requiresGrad: true })], { epsilon: 1e-6 } as never), 'epsilon', 'eps'],
  ['beans', () => data.beans({ seeds: 1 } as never), 'seeds', 'seed'],
  ['moons', () => data.moons({ nosie: 0.1 } as never), 'nosie', 'noise'],
  ['parseCsv', () => data.parseCsv('x,y\n1,0\n', { label: 'y', kind: 'binary' } as never), 'kind', null],
  ['lenet5', () => models.lenet5({ channels: 3 } as never), 'channels', 'inChannels'],
  ['vgg16', () => models.vgg16({ numClasses: 10 } as never), 'numClasses', 'classes'],
  ['conv2d', () => nn.functional.conv2d(kiln.ones([1, 1, 3, 3]), kiln.ones([1, 1, 3, 3]), null, { pad: 1 } as never), 'pad', null],
  ['maxPool2d', () => nn.functional.maxPool2d(kiln.ones([1, 1, 4, 4]), 2, { strid: 1 } as never), 'strid', 'stride'],
  ['var', () => kiln.ones([3]).var(0, { keepDim: true } as never), 'keepDim', 'keepdim'],
  ['init.kaiming', () => nn.init.kaimingNormal(kiln.zeros([2, 2]), { mod: 'fanIn' } as never), 'mod', 'mode'],
  ['lineChart', () => kiln.viz.lineChart({ title: 't', series: [], ylabel: 'y' } as never), 'ylabel', 'yLabel'],
];

describe('every options object refuses unknown keys and suggests the nearest', () => {
  for (const [what, call, key, suggestion] of CASES) {
    it(what, () => {
      expect(call).toThrow(ValueError);
      expect(call).toThrow(`unknown option "${key}"`);
      if (suggestion) expect(call).toThrow(`did you mean "${suggestion}"?`);
    });
  }

  it('async ones too: fit, evaluate, predict, mnist, save', async () => {
    const model = new nn.Linear(2, 1);
    await expect(kiln.fit(model, ds(), { epochs: 1, optimizer: opt(), loss: 'mseLoss', lr: 0.1 } as never)).rejects.toThrow('fit: unknown option "lr"');
    await expect(kiln.evaluate(model, ds(), { loss: 'mseLoss', metric: ['accuracy'] } as never)).rejects.toThrow('did you mean "metrics"?');
    await expect(kilnNode.save(model, '/nonexistent-kiln-dir', { meta: {} } as never)).rejects.toThrow('save: unknown option "meta"; did you mean "metadata"?');
  });
});
