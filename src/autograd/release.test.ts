import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';

const { nn, optim } = kiln;

// No dispose(): a step's intermediates are released when backward() consumes its graph (or at once
// without a graph), and fit releases its batches, outputs and losses. These tests run synchronous
// loops, where the garbage collector's FinalizationRegistry never gets a turn: what stays flat here
// stays flat because Kiln released it.

const mlp = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(10, 32), new nn.ReLU(), new nn.Linear(32, 16), new nn.Tanh(), new nn.Dropout(0.2), new nn.Linear(16, 3));
const lenet = (): kiln.nn.Sequential => kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' });

function live(): { storages: number; bytes: number } {
  const m = kiln.memory();
  return { storages: m.liveStorages, bytes: m.liveBytes };
}

describe('memory without dispose()', () => {
  it('fit: live storages, bytes and the high-water mark are the same after the 2nd and the 30th epoch (MLP and LeNet-5)', async () => {
    kiln.manualSeed(0);
    for (const [model, x, epochs] of [[mlp(), kiln.randn([96, 10]), 30], [lenet(), kiln.randn([48, 1, 28, 28]), 8]] as const) {
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

  it('a hand-written loop keeps only what it holds: each step leaves at most its output and loss until the garbage collector takes them', () => {
    kiln.manualSeed(1);
    for (const [model, batch] of [[mlp(), () => kiln.randn([16, 10])], [lenet(), () => kiln.randn([8, 1, 28, 28])]] as const) {
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
      const after = live();
      // output [N, 10] and loss [] per step, as 64-byte blocks at most (wasm) or exact (js)
      expect(after.storages - before.storages).toBeLessThanOrEqual(2 * steps);
      expect(after.bytes - before.bytes).toBeLessThanOrEqual(steps * (Math.ceil((x.shape[0]! * 10 * 4) / 64) * 64 + 64));
    }
  });

  it('inference without a graph releases every intermediate as forward returns', () => {
    const model = lenet().eval();
    const x = kiln.randn([4, 1, 28, 28]);
    kiln.noGrad(() => model.forward(x));
    const before = live();
    const out = kiln.noGrad(() => model.forward(x));
    expect(live().storages - before.storages).toBe(1);
    expect(out.shape).toEqual([4, 10]);
  });

  it('an intermediate kept past backward() throws a clear error instead of reading reused memory; retainGraph keeps the graph', () => {
    class Peek extends nn.Module {
      hidden: kiln.Tensor | null = null;
      readonly lin = new nn.Linear(3, 4);
      forward(x: kiln.Tensor): kiln.Tensor {
        this.hidden = this.lin.forward(x).tanh();
        return this.hidden.sum(1);
      }
    }
    const m = new Peek();
    const x = kiln.randn([2, 3]);
    let out = m.forward(x);
    out.sum().backward(undefined, { retainGraph: true });
    expect(m.hidden!.shape).toEqual([2, 4]);
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
