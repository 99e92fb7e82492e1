import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { FormatError, ShapeError, ValueError } from '../../errors.js';

// Models beyond Sequential: Residual, Concat and Graph train, save and load like a Sequential,
// summarise, and refuse nonsense (in code: ValueError; from a file: FormatError).

const { nn } = kiln;

/** A residual MLP: a stem, two residual blocks (one with a projection), and a head. */
function residualMlp(): kiln.nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(2, 8), new nn.Tanh(),
    new nn.Residual(new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 8))),
    new nn.Residual(new nn.Linear(8, 6), new nn.Linear(8, 6, { bias: false })),
    new nn.Tanh(), new nn.Linear(6, 1),
  );
}

/** A graph with two branches from the input, a sum of three values and a concatenation. */
function branchyGraph(dtype: 'float32' | 'float64' = 'float32'): kiln.nn.Graph {
  return new nn.Graph({
    nodes: [
      { name: 'wide', inputs: ['input'], module: new nn.Sequential(new nn.Linear(2, 6, { dtype }), new nn.ReLU()) },
      { name: 'narrow', inputs: ['input'], module: new nn.Linear(2, 6, { dtype }) },
      { name: 'sum', inputs: ['wide', 'narrow', 'wide'], merge: 'add' },
      { name: 'act', inputs: ['sum'], module: new nn.Tanh() },
      { name: 'both', inputs: ['act', 'input'], merge: 'concat' },
      { name: 'head', inputs: ['both'], module: new nn.Linear(8, 1, { dtype }) },
    ],
    output: 'head',
  });
}

describe('Residual, Concat and Graph', () => {
  it('compute what they say: block(x) + x, block(x) + shortcut(x), branches joined, a graph of both', () => {
    kiln.manualSeed(0);
    const x = kiln.randn([3, 4]);
    const block = new nn.Linear(4, 4), proj = new nn.Linear(4, 2), half = new nn.Linear(4, 2);
    const close = (a: kiln.Tensor, b: kiln.Tensor): void => expect(Array.from(a.dataSync()).map((v, i) => Math.abs(v - b.dataSync()[i]!)).every((d) => d < 1e-6)).toBe(true);
    close(new nn.Residual(block).forward(x), block.forward(x).add(x));
    close(new nn.Residual(half, proj).forward(x), half.forward(x).add(proj.forward(x)));
    close(new nn.Concat([half, proj]).forward(x), kiln.cat([half.forward(x), proj.forward(x)], 1));
    const g = new nn.Graph({ nodes: [{ name: 'b', inputs: ['input'], module: block }, { name: 's', inputs: ['b', 'input'], merge: 'add' }], output: 's' });
    close(g.forward(x), block.forward(x).add(x));
    expect([...g.namedParameters()].map(([n]) => n)).toEqual(['b.weight', 'b.bias']);
    expect([...new nn.Residual(half, proj).namedParameters()].map(([n]) => n)).toEqual(['block.weight', 'block.bias', 'shortcut.weight', 'shortcut.bias']);
  });

  it('their gradients match finite differences (gradcheck through the skip connection and the merges)', () => {
    kiln.manualSeed(1);
    const model = branchyGraph('float64');
    const x = kiln.randn([4, 2], { dtype: 'float64', requiresGrad: true });
    expect(kiln.gradcheck((xx) => model.forward(xx).pow(2).sum(), [x]).ok).toBe(true);
    const residual = new nn.Residual(new nn.Sequential(new nn.Linear(3, 3, { dtype: 'float64' }), new nn.Tanh()), new nn.Linear(3, 3, { dtype: 'float64' }));
    const concat = new nn.Concat([new nn.Linear(3, 2, { dtype: 'float64' }), new nn.Sequential(new nn.Linear(3, 2, { dtype: 'float64' }), new nn.Sigmoid())]);
    const z = kiln.randn([2, 3], { dtype: 'float64', requiresGrad: true });
    expect(kiln.gradcheck((zz) => residual.forward(zz).pow(2).sum(), [z]).ok).toBe(true);
    expect(kiln.gradcheck((zz) => concat.forward(zz).pow(2).sum(), [z]).ok).toBe(true);
  });

  it('train: a residual MLP and a branching graph fit the flower with fit()', async () => {
    const [train, test] = kiln.trainTestSplit(kiln.data.flower({ seed: 0 }), { testFraction: 0.25, seed: 0 });
    for (const make of [residualMlp, branchyGraph]) {
      kiln.manualSeed(2);
      const model = make();
      await kiln.fit(model, train, { epochs: 300, batchSize: 'full', optimizer: new kiln.optim.Adam(model.parameters(), { lr: 0.02 }), loss: 'binaryCrossEntropyWithLogits' });
      const out = kiln.noGrad(() => model.forward(test.x));
      const acc = Array.from(out.dataSync()).filter((v, i) => (v > 0 ? 1 : 0) === test.y.dataSync()[i]).length / test.length;
      expect(acc, make.name).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('save and load (model.json and one file) to the same outputs, and summarise', () => {
    kiln.manualSeed(3);
    const x = kiln.randn([5, 2]);
    for (const model of [residualMlp(), branchyGraph(), new nn.Sequential(new nn.Concat([new nn.Linear(2, 3), new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU())]), new nn.Linear(5, 1))]) {
      const y = kiln.noGrad(() => model.forward(x)).dataSync();
      const { json, weights } = kiln.serializeModel(model);
      const fromDir = kiln.deserializeModel(json, weights).model;
      const fromFile = kiln.deserializeModelFile(kiln.serializeModelFile(model)).model;
      for (const loaded of [fromDir, fromFile]) {
        expect(loaded.constructor).toBe(model.constructor);
        expect(Array.from(kiln.noGrad(() => loaded.forward(x)).dataSync())).toEqual(Array.from(y));
      }
    }
    const rows = kiln.models.summaryRows(branchyGraph(), [2]);
    expect(rows.map((r) => [r.name, r.type, r.outputShape, r.params])).toEqual([
      ['wide.0', 'Linear', [6], 18], ['wide.1', 'ReLU', [6], 0], ['narrow', 'Linear', [6], 18], ['sum', 'Add', [6], 0],
      ['act', 'Tanh', [6], 0], ['both', 'Concat', [8], 0], ['head', 'Linear', [1], 9],
    ]);
    const res = kiln.models.summaryRows(residualMlp(), [2]).map((r) => [r.name, r.type, r.outputShape]);
    expect(res.slice(2, 6)).toEqual([['2.block.0', 'Linear', [8]], ['2.block.1', 'Tanh', [8]], ['2.block.2', 'Linear', [8]], ['2', 'Residual (add)', [8]]]);
    expect(res[8]).toEqual(['3', 'Residual (add)', [6]]);
  });

  it('refuse nonsense in code with a ValueError or ShapeError that names the node', () => {
    const lin = (): kiln.nn.Linear => new nn.Linear(2, 2);
    expect(() => new nn.Graph({ nodes: [{ name: 'a', inputs: ['b'], module: lin() }, { name: 'b', inputs: ['input'], module: lin() }], output: 'a' }))
      .toThrow('Graph: node 0 "a" reads "b", which is not an earlier node (nodes come in order: move it before this one)');
    expect(() => new nn.Graph({ nodes: [{ name: 'a', inputs: ['input'], module: lin() }, { name: 'a', inputs: ['a'], module: lin() }], output: 'a' })).toThrow('node 1 "a": the name is used twice');
    expect(() => new nn.Graph({ nodes: [{ name: 'a.b', inputs: ['input'], module: lin() }], output: 'a.b' })).toThrow(/a name is letters, digits and _/);
    expect(() => new nn.Graph({ nodes: [{ name: 'a', inputs: ['input', 'input'], module: lin() }], output: 'a' })).toThrow('a layer reads one input, got 2');
    expect(() => new nn.Graph({ nodes: [{ name: 'a', inputs: ['input'], merge: 'add' }], output: 'a' })).toThrow('a merge reads two or more inputs');
    expect(() => new nn.Graph({ nodes: [{ name: 'a', inputs: ['input', 'input'], merge: 'mul' as never }], output: 'a' })).toThrow(/merge must be 'add' or 'concat'/);
    expect(() => new nn.Graph({ nodes: [{ name: 'a', inputs: ['input'], module: lin() }], output: 'z' })).toThrow('Graph: output must name a node, got "z"');
    expect(() => new nn.Residual(new nn.Linear(2, 3)).outputShape([1, 2])).toThrow(ShapeError);
    expect(() => new nn.Residual(new nn.Linear(2, 3)).outputShape([1, 2])).toThrow(/the block gives \[1, 3\] but the input is \[1, 2\].*give a shortcut/);
    expect(() => new nn.Graph({ nodes: [{ name: 'a', inputs: ['input'], module: new nn.Linear(2, 3) }, { name: 's', inputs: ['a', 'input'], merge: 'add' }], output: 's' }).outputShape([1, 2]))
      .toThrow('Graph node "s" (add): [1, 3] and [1, 2] differ');
    expect(() => new nn.Concat([])).toThrow(ValueError);
  });

  it('refuse a broken or hostile architecture in a file with a FormatError', () => {
    const { json, weights } = kiln.serializeModel(branchyGraph());
    const doc = JSON.parse(json) as { architecture: { nodes: { inputs: unknown }[] } };
    const edit = (f: (d: typeof doc) => void): string => { const d = structuredClone(doc); f(d); return JSON.stringify(d); };
    expect(() => kiln.deserializeModel(edit((d) => { d.architecture.nodes[0]!.inputs = ['head']; }), weights)).toThrow(FormatError);
    expect(() => kiln.deserializeModel(edit((d) => { d.architecture.nodes[0]!.inputs = ['head']; }), weights)).toThrow(/reads "head", which is not an earlier node/);
    expect(() => kiln.deserializeModel(edit((d) => { d.architecture.nodes[0]!.inputs = 'input'; }), weights)).toThrow(/node 0's inputs must be an array of names/);
    expect(() => kiln.deserializeModel(edit((d) => { (d.architecture as { nodes: unknown }).nodes = Array(100_001).fill({}); }), weights)).toThrow(/100001 nodes is more than 100000/);
  });
});
