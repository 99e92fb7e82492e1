import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { ValueError } from '../index.js';
import { AUTO_YIELD_MS } from './yield.js';

const { nn, optim, manualSeed, TensorDataset } = kiln;

/** A small regression task and a fresh model for it. */
function setup(n = 256): { model: kiln.nn.Sequential; data: kiln.TensorDataset; opt: kiln.optim.SGD } {
  manualSeed(0);
  const x = kiln.randn([n, 4]);
  const data = new TensorDataset(x, x.sum(1, true).mul(0.5));
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 1));
  return { model, data, opt: new optim.SGD(model.parameters(), { lr: 0.05 }) };
}

/** How many times the event loop got a turn (a setImmediate chain) while `work` ran. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let on = true;
  const tick = (): void => { if (on) { turns++; setImmediate(tick); } };
  setImmediate(tick);
  await work();
  on = false;
  return turns;
}

describe('fit, evaluate and predict in a page (progress, yielding, abort)', () => {
  it('calls onBatchEnd and onEpochEnd with their indices and logs', async () => {
    const { model, data, opt } = setup(100);
    const batches: [number, number][] = [];
    const epochs: [number, kiln.Logs][] = [];
    const { history } = await kiln.fit(model, data, {
      epochs: 3, batchSize: 40, optimizer: opt, loss: 'mseLoss',
      onBatchEnd: (b, logs) => { batches.push([b, logs.loss!]); },
      onEpochEnd: (e, logs) => { epochs.push([e, logs]); },
    });
    expect(batches.map(([b]) => b)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(batches.every(([, l]) => Number.isFinite(l))).toBe(true);
    expect(epochs.map(([e]) => e)).toEqual([0, 1, 2]);
    expect(epochs.map(([, l]) => l.loss)).toEqual(history.loss);
  });

  it('yields to the event loop while it trains, by default, and not with yieldEvery "never"', async () => {
    const long = async (yieldEvery: kiln.YieldEvery): Promise<number> => {
      const { model, data, opt } = setup(4096);
      return turnsDuring(() => kiln.fit(model, data, { epochs: 8, batchSize: 8, optimizer: opt, loss: 'mseLoss', yieldEvery }));
    };
    expect(await long('never')).toBe(0);
    expect(await long('auto')).toBeGreaterThan(1);
    expect(await long('batch')).toBeGreaterThan(1000); // 8 epochs × 512 batches
    expect(AUTO_YIELD_MS).toBeLessThan(1000 / 60);
    const { model, data } = setup(4096);
    expect(await turnsDuring(() => kiln.evaluate(model, data, { loss: 'mseLoss', batchSize: 1, yieldEvery: 'batch' }))).toBeGreaterThan(1000);
    expect(await turnsDuring(() => kiln.predict(model, data.x, { batchSize: 1, yieldEvery: 'batch' }))).toBeGreaterThan(1000);
    expect(await turnsDuring(() => kiln.predict(model, data.x, { batchSize: 1, yieldEvery: 'never' }))).toBe(0);
  });

  it('stops cleanly on an AbortSignal: fit keeps the epochs it finished', async () => {
    const { model, data, opt } = setup(100);
    const stop = new AbortController();
    const r = await kiln.fit(model, data, {
      epochs: 50, batchSize: 10, optimizer: opt, loss: 'mseLoss', signal: stop.signal,
      onEpochEnd: (e) => { if (e === 2) stop.abort(); },
    });
    expect([r.epochs, r.aborted, r.stoppedEarly, r.history.loss!.length]).toEqual([3, true, true, 3]);
    // Aborted in the middle of an epoch: that part-epoch leaves no log, and the model is whole.
    const mid = new AbortController();
    const r2 = await kiln.fit(model, data, {
      epochs: 5, batchSize: 10, optimizer: opt, loss: 'mseLoss', signal: mid.signal,
      onBatchEnd: (b) => { if (b === 4) mid.abort(); },
    });
    expect([r2.epochs, r2.aborted, r2.history.loss?.length ?? 0]).toEqual([0, true, 0]);
    expect(model.parameters().every((p) => Array.from(p.values).every(Number.isFinite))).toBe(true);
    const done = await kiln.fit(model, data, { epochs: 1, optimizer: opt, loss: 'mseLoss' });
    expect(done.aborted).toBe(false);
    // evaluate and predict have nothing partial to give: they reject with the signal's reason.
    const gone = AbortSignal.abort();
    await expect(kiln.evaluate(model, data, { loss: 'mseLoss', signal: gone })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    await expect(kiln.predict(model, data.x, { signal: gone })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('refuses misspelt options, a bad yieldEvery or signal, and empty data, saying what to do', async () => {
    const { model, data, opt } = setup(10);
    await expect(kiln.fit(model, data, { epoch: 3, optimizer: opt, loss: 'mseLoss' } as never)).rejects.toThrow('fit: unknown option "epoch"; did you mean "epochs"?');
    await expect(kiln.fit(model, data, { epochs: 1, optimizer: opt, loss: 'mseLoss', yieldEvery: 'sometimes' as never })).rejects.toThrow(/fit: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds, got "sometimes"/);
    await expect(kiln.fit(model, data, { epochs: 1, optimizer: opt, loss: 'mseLoss', signal: new AbortController() as never })).rejects.toThrow('fit: signal must be an AbortSignal (controller.signal, not the controller)');
    await expect(kiln.fit(model, data, { epochs: 1, optimizer: opt, loss: 'mseLoss', onEpochEnd: 'draw' as never })).rejects.toThrow(/fit: onEpochEnd must be a function/);
    const empty = new TensorDataset(kiln.zeros([0, 4]), kiln.zeros([0, 1]));
    await expect(kiln.fit(model, empty, { epochs: 1, optimizer: opt, loss: 'mseLoss' })).rejects.toThrow(ValueError);
    await expect(kiln.evaluate(model, empty, { loss: 'mseLoss' })).rejects.toThrow('evaluate: the dataset is empty');
    await expect(kiln.predict(model, data.x, { batchsize: 2 } as never)).rejects.toThrow('predict: unknown option "batchsize"; did you mean "batchSize"?');
  });
});
