import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { FormatError } from '../index.js';

// fit's checkpoints: a run stopped after some epochs and resumed from its last checkpoint ends with
// the same weights, bit for bit, as a run that never stopped (weights, Adam's moments, the decay,
// the shuffling and dropout's generator all carried over).

const { nn, optim } = kiln;

/** A checkpointer in memory, counting its saves. */
function memory(every = 1): kiln.Checkpointer & { saves: number; bytes: Uint8Array | null } {
  return { every, saves: 0, bytes: null, async save(b) { this.bytes = b; this.saves++; }, async load() { return this.bytes; } };
}

/** A seeded run: a small network with dropout, Adam with a decay, shuffled mini-batches. */
async function run(epochs: number, checkpoint?: kiln.Checkpointer, resume = false): Promise<{ weights: number[]; history: Record<string, number[]> }> {
  kiln.manualSeed(7);
  const data = kiln.data.moons({ n: 96, seed: 1 });
  const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Dropout(0.2), new nn.Linear(8, 1));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.02 });
  const scheduler = new optim.InverseTimeLR(optimizer, { decayRate: 0.1 });
  const { history } = await kiln.fit(model, data, { epochs, batchSize: 16, optimizer, scheduler, loss: 'binaryCrossEntropyWithLogits', checkpoint, resume });
  return { weights: model.parameters().flatMap((p) => Array.from(p.values)), history };
}

describe('checkpoints and resume', () => {
  it('resumes to the same weights bit for bit as a run that never stopped', async () => {
    const whole = await run(8);
    const ckpt = memory(2);
    const first = await run(5, ckpt);               // "killed" after epoch 5; the last checkpoint is epoch 4
    expect(ckpt.saves).toBe(2);
    expect(first.weights).not.toEqual(whole.weights);
    const resumed = await run(8, ckpt, true);
    expect(resumed.weights).toEqual(whole.weights);
    expect(resumed.history).toEqual(whole.history);  // the history goes on from the checkpoint's
  });

  it('starts from scratch when there is no checkpoint yet, and writes one Kiln loads as a model', async () => {
    const ckpt = memory();
    const fresh = await run(3, ckpt, true);
    expect(fresh.weights).toEqual((await run(3)).weights);
    const { model, metadata } = kiln.deserializeModelFile(ckpt.bytes!);
    expect(model.parameters().flatMap((p) => Array.from(p.values))).toEqual(fresh.weights);
    expect((metadata['kiln.checkpoint'] as kiln.TrainingState).epoch).toBe(3);
  });

  it('refuses a checkpoint of another model, resume without a checkpoint, and a malformed checkpointer', async () => {
    const ckpt = memory();
    await run(1, ckpt);
    const other = new nn.Sequential(new nn.Linear(2, 4), new nn.Linear(4, 1));
    const opt = new optim.SGD(other.parameters(), { lr: 0.1 });
    const data = kiln.data.moons({ n: 16 });
    await expect(kiln.fit(other, data, { epochs: 2, optimizer: opt, loss: 'mseLoss', checkpoint: ckpt, resume: true })).rejects.toThrow(FormatError);
    await expect(kiln.fit(other, data, { epochs: 2, optimizer: opt, loss: 'mseLoss', resume: true })).rejects.toThrow('fit: resume needs a checkpoint');
    await expect(kiln.fit(other, data, { epochs: 2, optimizer: opt, loss: 'mseLoss', checkpoint: { every: 1 } as never })).rejects.toThrow(/checkpoint must be \{ every, save\(bytes\), load\(\) \}/);
  });
});
