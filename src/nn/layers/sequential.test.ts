import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';

const { nn, manualSeed } = kiln;

describe('Sequential and Module', () => {
  const make = (): kiln.nn.Sequential => new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(3, 1));

  it('names parameters by dotted path', () => {
    const m = make();
    expect([...m.namedParameters()].map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(['0.weight:3x2', '0.bias:3', '3.weight:1x3', '3.bias:1']);
    expect(m.parameters()).toHaveLength(4);
    expect(m.children()).toHaveLength(4);
    expect([...m.modules()]).toHaveLength(5);
    const outer = new nn.Sequential(m, new nn.Sigmoid());
    expect([...outer.namedParameters()][0]![0]).toBe('0.0.weight');
  });

  it('switches train/eval in every descendant', () => {
    const m = make().eval();
    expect([...m.modules()].every((x) => !x.training)).toBe(true);
    m.train();
    expect([...m.modules()].every((x) => x.training)).toBe(true);
  });

  it('saves and loads a state dict, checking names and shapes', () => {
    manualSeed(0);
    const a = make();
    const b = make();
    const x = kiln.randn([5, 2]);
    a.eval(); b.eval();
    expect(Array.from(a.forward(x).values)).not.toEqual(Array.from(b.forward(x).values));
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.forward(x).values)).toEqual(Array.from(a.forward(x).values));
    const sd = a.stateDict();
    const { ['3.bias']: _, ...missing } = sd;
    expect(() => b.loadStateDict(missing)).toThrow('loadStateDict: missing 3.bias');
    expect(() => b.loadStateDict({ ...sd, ['0.weight']: kiln.zeros([2, 2]) })).toThrow(/0.weight has shape \[2, 2\] in the state but \[3, 2\]/);
  });

  it('round-trips its architecture through toConfig/fromConfig', () => {
    const m = make();
    const again = nn.fromConfig(JSON.parse(JSON.stringify(m.toConfig())));
    expect(again.toConfig()).toEqual(m.toConfig());
    expect(() => nn.fromConfig({ type: 'Conv7d' })).toThrow(/unknown layer type "Conv7d"/);
    expect(() => new nn.Sequential(42 as never)).toThrow(/argument 0 is not a Module/);
  });

  it('zeroGrad zeroes parameter gradients in place (their memory serves the next backward)', () => {
    const m = make();
    m.forward(kiln.randn([2, 2])).sum().backward();
    const grads = m.parameters().map((p) => p.grad!);
    expect(grads[0]!.values.some((v) => v !== 0)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p, i) => p.grad === grads[i] && p.grad.values.every((v) => v === 0))).toBe(true);
  });

  it('names its layers when built from an object (PyTorch\'s OrderedDict form), through saving and loading', () => {
    manualSeed(0);
    const net = new nn.Sequential({ features: new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()), head: new nn.Linear(3, 1) });
    expect([...net.namedParameters()].map(([n]) => n)).toEqual(['features.0.weight', 'features.0.bias', 'head.weight', 'head.bias']);
    net.add(new nn.Sigmoid(), 'out');
    expect(net.namedChildren().map(([n]) => n)).toEqual(['features', 'head', 'out']);
    const again = nn.fromConfig(net.toConfig()) as kiln.nn.Sequential;
    expect(again.names).toEqual(['features', 'head', 'out']);
    const x = kiln.randn([4, 2]);
    again.loadStateDict(net.stateDict());
    expect(Array.from(again.forward(x).dataSync())).toEqual(Array.from(net.forward(x).dataSync()));
    expect(kiln.models.summaryRows(net, [2]).map((r) => r.name)).toEqual(['features.0', 'features.1', 'head', 'out']);
    expect(() => net.add(new nn.ReLU())).toThrow(/a named Sequential needs a new name/);
    expect(() => net.add(new nn.ReLU(), 'head')).toThrow(/a named Sequential needs a new name/);
    expect(() => make().add(new nn.ReLU(), 'x')).toThrow(/names its layers by position/);
    expect(() => new nn.Sequential({ 'a.b': new nn.ReLU() })).toThrow(/a layer's name is letters, digits and _/);
    expect(() => new nn.Sequential({ 2: new nn.ReLU() })).toThrow(/the name "2" is a number, which an object cannot keep in order/);
    expect(() => new nn.Sequential({ a: 3 as never })).toThrow('Sequential: "a" is not a Module');
  });
});
