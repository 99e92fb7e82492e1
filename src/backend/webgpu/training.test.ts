import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { nn, optim } from '../../index.js';
import { startWebgpu, tempDir } from '../../../test/helpers.js';
import { load, save } from '../../node/model-files.js';
import { checkpointDir } from '../../node/checkpoint-dir.js';
import { startedBackend } from '../registry.js';
import { isWebgpuBackend } from './index.js';

// Training on the GPU as a user does it: fit and evaluate on the digits, a hand-written loop
// whose GPU memory must stay flat with no dispose(), and a step that never waits on the GPU.

const DEFAULT = kiln.getBackend();
let why: string | null = null;
let digits: Awaited<ReturnType<typeof kiln.data.mnist>>;
beforeAll(async () => {
  // Made on the CPU before the switch, as most apps load their data: fit uploads them once.
  digits = await kiln.data.mnist({ trainSize: 2000, testSize: 500 });
  why = await startWebgpu(kiln.setBackend);
});
afterAll(async () => { await kiln.setBackend(DEFAULT); });

const mlp = (): nn.Sequential => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));

describe('training on the webgpu backend', () => {
  it('fit trains an MLP on the digits as the CPU does, reading back once per epoch', async (ctx) => {
    if (why) ctx.skip(why);
    const train = async (backendName: string) => {
      await kiln.setBackend(backendName);
      kiln.manualSeed(0);
      const model = mlp();
      const { history } = await kiln.fit(model, digits.train, { epochs: 4, batchSize: 64, optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }), loss: 'crossEntropy', metrics: ['accuracy'] });
      const { accuracy } = await kiln.evaluate(model, digits.test, { loss: 'crossEntropy', metrics: ['accuracy'] });
      return { model, history, accuracy };
    };
    const cpu = await train('js');
    const gpu = startedBackend('webgpu', 'test');
    if (!isWebgpuBackend(gpu)) throw new Error('not the webgpu backend');
    const readsBefore = gpu.queueStats().reads;
    const onGpu = await train('webgpu');
    // The loss and the accuracy count, read once per epoch; the evaluation reads 2 more per batch (1 batch).
    expect(gpu.queueStats().reads - readsBefore).toBe(4 * 2 + 2);
    onGpu.history.loss!.forEach((l, e) => expect(l).toBeCloseTo(cpu.history.loss![e]!, 2));
    expect(onGpu.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(Math.abs(onGpu.accuracy - cpu.accuracy)).toBeLessThanOrEqual(0.01);
    // predict takes the CPU's tensors too (uploaded once), reads nothing back, and answers on the GPU.
    const probs = await kiln.predict(onGpu.model, digits.test.x, { batchSize: 200 });
    expect(probs.shape).toEqual([500, 10]);
    expect(gpu.queueStats().reads - readsBefore).toBe(4 * 2 + 2);
    const labels = await probs.argmax(1).data();
    const truth = digits.test.y.dataSync();
    expect(labels.filter((l, i) => l === truth[i]).length / 500).toBeCloseTo(onGpu.accuracy, 5);
  });

  it('LeNet-5 trains on the GPU as on the CPU (convolutions, pooling, the fused op)', async (ctx) => {
    if (why) ctx.skip(why);
    await kiln.setBackend('js');
    const small = new kiln.TensorDataset(digits.train.x.narrow(0, 0, 512), digits.train.y.narrow(0, 0, 512));
    const losses: number[][] = [];
    for (const name of ['js', 'webgpu']) {
      await kiln.setBackend(name);
      kiln.manualSeed(0);
      const model = kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });
      const { history } = await kiln.fit(model, small, { epochs: 2, batchSize: 64, optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }), loss: 'crossEntropy' });
      losses.push(history.loss!);
    }
    expect(losses[1]![1]!).toBeLessThan(losses[1]![0]!);
    losses[1]!.forEach((l, e) => expect(l).toBeCloseTo(losses[0]![e]!, 2));
  });

  it('GPU memory stays flat: fit releases every step\'s buffers, and a hand-written loop leaves nothing the garbage collector cannot take back', async (ctx) => {
    if (why) ctx.skip(why);
    kiln.manualSeed(1);
    const model = mlp();
    const live: number[][] = [];
    await kiln.fit(model, digits.train, {
      epochs: 3, batchSize: 100, optimizer: new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), loss: 'crossEntropy', metrics: ['accuracy'],
      onEpochEnd: () => { const m = kiln.memory('webgpu'); live.push([m.liveStorages, m.liveBytes, m.highWaterBytes]); },
    });
    expect(live[2]).toEqual(live[1]);

    // By hand: the model's output and the loss of each step are the user's, and dropped; the
    // garbage collector hands their buffers back (here forced, then given a turn of the event loop).
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const batches = [...new kiln.DataLoader(digits.train, { batchSize: 32, shuffle: true, seed: 2 })];
    const step = (i: number): void => {
      const { x, y } = batches[i % batches.length]!;
      const loss = nn.functional.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    };
    const settled = async (): Promise<number[]> => {
      await model.parameters()[0]!.data();
      for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 10)); }
      const m = kiln.memory('webgpu');
      return [m.liveStorages, m.liveBytes];
    };
    for (let i = 0; i < 3; i++) step(i);
    const after3 = await settled();
    for (let i = 3; i < 60; i++) step(i);
    expect(await settled()).toEqual(after3);
  });

  it('a model trained on the GPU checkpoints and resumes, saves, loads back onto the GPU or the CPU, and predicts the same', async (ctx) => {
    if (why) ctx.skip(why);
    await kiln.setBackend('webgpu');
    kiln.manualSeed(3);
    const model = mlp();
    // Checkpointed as it trains (the weights and Adam's buffers read back from the GPU), and resumed.
    const ckpt = tempDir();
    const run = async (epochs: number, resume: boolean) => kiln.fit(model, digits.train, {
      epochs, batchSize: 100, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), loss: 'crossEntropy', checkpoint: checkpointDir(ckpt), resume,
    });
    await run(1, false);
    const resumed = await run(2, true);
    expect(resumed.history.loss!.length).toBe(2);
    expect(resumed.history.loss![1]!).toBeLessThan(resumed.history.loss![0]!);
    const dir = tempDir();
    await save(model, dir);
    const loaded = await load(dir);
    const x = digits.test.x;
    const [a, b] = [await kiln.predict(model, x), await kiln.predict(loaded, x)];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    // The same file loads on the CPU and answers the same, to float32 rounding.
    await kiln.setBackend('js');
    const onCpu = await (await kiln.predict(await load(dir), x)).data();
    const onGpu = await a.data();
    onGpu.forEach((v, i) => expect(onCpu[i]).toBeCloseTo(v, 4));
  });

  it('refuses float64 and CPU tensors with messages that say what to do', async (ctx) => {
    if (why) ctx.skip(why);
    await kiln.setBackend('webgpu');
    expect(() => kiln.zeros([2], { dtype: 'float64' })).toThrow(/GPUs have no float64/);
    await kiln.setBackend('js');
    const onCpu = kiln.ones([2]);
    await kiln.setBackend('webgpu');
    expect(() => onCpu.add(kiln.ones([2]))).toThrow(/await t\.toBackend\('webgpu'\)/);
    const moved = await onCpu.toBackend('webgpu');
    expect(Array.from(await moved.add(kiln.ones([2])).data())).toEqual([2, 2]);
    expect(() => moved.dataSync()).toThrow(/await t\.data\(\)/);
    expect(Array.from((await moved.toBackend('js')).dataSync())).toEqual([1, 1]);
    // A dataset made while the GPU is the backend keeps its examples there (uploaded once).
    const ds = new kiln.TensorDataset(onCpu.reshape([2, 1]), onCpu);
    expect(() => ds.x.dataSync()).toThrow(/lives on the webgpu backend/);
    expect(Array.from(await ds.x.data())).toEqual([1, 1]);
  });
});
