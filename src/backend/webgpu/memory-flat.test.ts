import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { nn, optim } from '../../index.js';
import { startWebgpu } from '../../../test/helpers.js';

// GPU memory over 10,000 training steps, with no dispose() anywhere: every step's buffers (the
// dropout mask drawn on the GPU included) go back to the pool when the step's graph is consumed.

const DEFAULT = kiln.getBackend();
let why: string | null = null;
beforeAll(async () => { why = await startWebgpu(kiln.setBackend); });
afterAll(async () => { await kiln.setBackend(DEFAULT); });

describe('GPU memory over 10,000 steps', () => {
  it('stays flat: the same live buffers, bytes and high-water mark after every 1,000 steps', async (ctx) => {
    if (why) ctx.skip(why);
    // The data is made on the CPU and uploaded once by fit: what making it leaves behind is the
    // CPU's garbage, not GPU buffers that the garbage collector frees at a time of its choosing
    // (that would make the first sample depend on when it ran).
    await kiln.setBackend(DEFAULT);
    kiln.manualSeed(3);
    const x = kiln.randn([16000, 8]);
    const y = x.narrow(1, 0, 1).mul(x.narrow(1, 1, 1)).gt(0).float();
    await kiln.setBackend('webgpu');
    const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(16, 1));
    const samples: number[][] = [];
    const { history } = await kiln.fit(model, new kiln.TensorDataset(x, y), {
      epochs: 10, batchSize: 16, optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }), loss: 'binaryCrossEntropyWithLogits',
      onEpochEnd: () => { const m = kiln.memory('webgpu'); samples.push([m.liveStorages, m.liveBytes, m.highWaterBytes]); },
    });
    expect(samples).toHaveLength(10);
    for (const s of samples) expect(s).toEqual(samples[0]);
    // It learned, so the steps did what steps do.
    expect(history.loss!.at(-1)!).toBeLessThan(history.loss![0]! * 0.8);
  }, 600_000);

  it('building layers on the GPU makes their parameters and nothing else (no buffer left for the collector)', async (ctx) => {
    if (why) ctx.skip(why);
    await kiln.setBackend('webgpu');
    const before = kiln.memory('webgpu').liveStorages;
    const layers = [new nn.Linear(8, 16), new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.PReLU(4)];
    const params = layers.flatMap((l) => l.parameters()).length;
    const buffers = layers.flatMap((l) => [...l.namedBuffers()]).length;
    expect(params).toBe(2 + 2 + 2 + 1);
    expect(kiln.memory('webgpu').liveStorages - before).toBe(params + buffers);
    expect(Array.from(await layers[2]!.parameters()[0]!.data())).toEqual([1, 1, 1, 1]); // BatchNorm's γ starts at 1
    expect(Array.from(await layers[3]!.parameters()[0]!.data())).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});
