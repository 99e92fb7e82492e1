import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';

const { nn, optim } = kiln;

// No dispose(): a step's intermediates are released when backward() consumes its graph (or at once
// without a graph), and fit releases its batches, outputs and losses. These tests run synchronous
// loops, where the garbage collector's FinalizationRegistry never gets a turn: what stays flat here
// stays flat because Kiln released it. They count the wasm backend's own memory (tensors of 4 KB
// and more); the js backend's arrays are the garbage collector's, with nothing released early.

const mlp = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.Tanh(), new nn.Dropout(0.2), new nn.Linear(128, 3));
const lenet = (): kiln.nn.Sequential => kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });

function live(): { storages: number; bytes: number } {
  const m = kiln.memory();
  return { storages: m.liveStorages, bytes: m.liveBytes };
}

describe.skipIf(kiln.getBackend() === 'js')('memory without dispose()', () => {
  it('fit: live storages, bytes and the high-water mark are the same after the 2nd and the 30th epoch (MLP and LeNet-5)', async () => {
    kiln.manualSeed(0);
    for (const [model, x, epochs] of [[mlp(), kiln.randn([96, 64]), 30], [lenet(), kiln.randn([48, 1, 28, 28]), 8]] as const) {
      const y = kiln.randint(0, 3, [x.shape[0]!]);
      const seen: ReturnType<typeof kiln.memory>[] = [];
      await kiln.fit(model, new kiln.TensorDataset(x, y), {
        epochs, batchSize: 16, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), loss: 'crossEntropy', metrics: ['accuracy'],
        yieldEvery: 'never', onEpochEnd: () => { seen.push(kiln.memory()); },
      });
      const [second, last] = [seen[1]!, seen.at(-1)!];
      expect([last.liveStorages, last.liveBytes, last.highWaterBytes]).toEqual([second.liveStorages, second.liveBytes, second.highWaterBytes]);
      expect(last.released).toBeGreaterThan(second.released); // released deterministically, step after step
    }
  });

  it('a hand-written loop leaves the backend\'s memory as it found it, step after step (its output and loss are small JavaScript arrays)', () => {
    kiln.manualSeed(1);
    for (const [model, batch] of [[mlp(), () => kiln.randn([32, 64])], [lenet(), () => kiln.randn([8, 1, 28, 28])]] as const) {
      const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
      const x = batch(), y = kiln.randint(0, 3, [x.shape[0]!]);
      const step = (): void => {
        const loss = nn.functional.crossEntropy(model.forward(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
      };
      step(); // the first step makes the gradients and the optimiser's state
      const before = live();
      const steps = 20;
      for (let i = 0; i < steps; i++) step();
      expect(live()).toEqual(before);
      expect(kiln.memory().released).toBeGreaterThan(steps * 5);
    }
  });

  it('inference without a graph releases every intermediate as forward returns', () => {
    const model = mlp().eval();
    const x = kiln.randn([8, 64]);
    kiln.noGrad(() => model.forward(x));
    const before = live();
    const out = kiln.noGrad(() => model.forward(x));
    expect(live()).toEqual(before); // the [8, 256] and [8, 128] activations: released
    expect(out.shape).toEqual([8, 3]);
  });

  it('an intermediate kept past backward() throws a clear error instead of reading reused memory; retainGraph keeps the graph', () => {
    class Peek extends nn.Module {
      hidden: kiln.Tensor | null = null;
      readonly lin = new nn.Linear(3, 2048);
      forward(x: kiln.Tensor): kiln.Tensor {
        this.hidden = this.lin.forward(x).tanh();
        return this.hidden.sum(1);
      }
    }
    const m = new Peek();
    const x = kiln.randn([2, 3]);
    let out = m.forward(x);
    out.sum().backward(undefined, { retainGraph: true });
    expect(m.hidden!.shape).toEqual([2, 2048]);
    expect(m.hidden!.toArray()).toHaveLength(2); // still readable: the graph was retained
    out.sum().backward(); // a second pass through the retained graph, which releases it
    expect(() => m.hidden!.toArray()).toThrow(/intermediate result inside a module .* whose graph backward\(\) has consumed.*clone\(\) before backward\(\)/);
    expect(() => out.sum().backward()).toThrow(/backward\(\) has consumed/);
    out = m.forward(x);
    const kept = m.hidden!.clone().detach(); // a copy made before backward is the caller's
    out.sum().backward();
    expect(kept.toArray()).toHaveLength(2);
    expect(() => out.sum().backward({} as never)).toThrow();
    expect(() => kiln.tensor(1, { requiresGrad: true }).mul(2).backward(undefined, { retainGrpah: true } as never)).toThrow(/retainGrpah.*retainGraph/);
  });
});
