import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { ShapeError, ValueError } from '../errors.js';
import { REFERENCE_DIR, tempDir, worstRelativeError } from '../../test/helpers.js';

// PyTorch's weights, both ways, against PyTorch itself: state_dicts that PyTorch saved
// (scripts/make-interop-reference.py) load by name into Kiln twins of its models and give its
// outputs; Kiln's weights load into PyTorch's models (run here when Debian's python3-torch is).

const { nn } = kiln;
const INTEROP = join(REFERENCE_DIR, 'interop');
const SCRIPT = resolve(REFERENCE_DIR, '../../scripts/make-interop-reference.py');
const reference = (name: string): { input: { shape: number[]; data: number[] }; output: { shape: number[]; data: number[] } } => JSON.parse(readFileSync(join(INTEROP, `${name}.json`), 'utf8'));

/** The Kiln twins of the PyTorch models in scripts/make-interop-reference.py, under PyTorch's module names. */
const TWINS: Record<string, () => kiln.nn.Module> = {
  lenet5: () => new nn.Sequential({
    features: new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2)),
    classifier: new nn.Sequential(new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10)),
  }),
  'every-op': () => new nn.Sequential({
    body: new nn.Sequential(
      new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(8), new nn.LeakyReLU(0.1),
      new nn.Conv2d(8, 8, 3, { padding: 1, groups: 4, bias: false }), new nn.PReLU(8), new nn.AvgPool2d(2),
      new nn.Conv2d(8, 6, 3, { dilation: 2, padding: 2 }), new nn.Tanh(), new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(), new nn.Dropout(0.3), new nn.Linear(6, 5), new nn.Sigmoid(), new nn.Linear(5, 4), new nn.LogSoftmax(1)),
  }),
  'tiny-resnet': () => {
    // PyTorch's Block: relu(bn2(conv2(relu(bn1(conv1(x))))) + x), its layers named conv1, bn1, conv2, bn2.
    const block = (): kiln.nn.Graph => new nn.Graph({
      nodes: [
        { name: 'conv1', inputs: ['input'], module: new nn.Conv2d(8, 8, 3, { padding: 1, bias: false }) },
        { name: 'bn1', inputs: ['conv1'], module: new nn.BatchNorm2d(8) },
        { name: 'relu1', inputs: ['bn1'], module: new nn.ReLU() },
        { name: 'conv2', inputs: ['relu1'], module: new nn.Conv2d(8, 8, 3, { padding: 1, bias: false }) },
        { name: 'bn2', inputs: ['conv2'], module: new nn.BatchNorm2d(8) },
        { name: 'sum', inputs: ['bn2', 'input'], merge: 'add' },
        { name: 'relu2', inputs: ['sum'], module: new nn.ReLU() },
      ],
      output: 'relu2',
    });
    return new nn.Sequential({
      stem: new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU()),
      block1: block(), block2: block(),
      pools: new nn.Concat([new nn.AdaptiveAvgPool2d(1), new nn.MaxPool2d(8)]), flatten: new nn.Flatten(), fc: new nn.Linear(16, 10),
    });
  },
};


describe('PyTorch state_dicts (safetensors) into Kiln', () => {
  for (const name of Object.keys(TWINS)) {
    it(`${name}: PyTorch's weights load by name into its Kiln twin, which then gives PyTorch's outputs`, () => {
      const model = TWINS[name]!();
      kiln.loadTorchWeights(model, new Uint8Array(readFileSync(join(INTEROP, `${name}.safetensors`))));
      const ref = reference(name);
      model.eval();
      const y = kiln.noGrad(() => model.forward(kiln.tensor(ref.input.data).reshape(ref.input.shape)));
      expect(y.shape).toEqual(ref.output.shape);
      expect(worstRelativeError(y.dataSync(), ref.output.data)).toBeLessThanOrEqual(1e-5);
    });
  }

  it('says which names are missing, unexpected or mis-shaped, and copies nothing then', () => {
    const bytes = new Uint8Array(readFileSync(join(INTEROP, 'lenet5.safetensors')));
    // The same layers by position: every name differs.
    const positional = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.Linear(2, 2));
    expect(() => kiln.loadTorchWeights(positional, bytes)).toThrow(ValueError);
    expect(() => kiln.loadTorchWeights(positional, bytes)).toThrow(/the file lacks 0\.weight, 0\.bias, 2\.weight, 2\.bias and the model has no features\.0\.weight, .* and 4 more; the names differ: give the Kiln model PyTorch's module names \(new nn\.Sequential\(\{ features: …, classifier: … \}\) names its layers\)/);
    const short = TWINS.lenet5!() as kiln.nn.Sequential;
    (short.layers[1] as kiln.nn.Sequential).layers.pop();
    expect(() => kiln.loadTorchWeights(short, bytes)).toThrow('loadTorchWeights: the model has no classifier.5.weight, classifier.5.bias');
    // strict: false loads what matches: here, everything but the missing layer.
    kiln.loadTorchWeights(short, bytes, { strict: false });
    const wide = TWINS.lenet5!() as kiln.nn.Sequential;
    (wide.layers[1] as kiln.nn.Sequential).layers[5] = new nn.Linear(84, 12);
    const before = Array.from(wide.parameters()[0]!.dataSync());
    expect(() => kiln.loadTorchWeights(wide, bytes)).toThrow(ShapeError);
    expect(() => kiln.loadTorchWeights(wide, bytes)).toThrow('loadTorchWeights: classifier.5.weight is [10, 84] in the file but [12, 84] in the model; classifier.5.bias is [10] in the file but [12] in the model');
    expect(Array.from(wide.parameters()[0]!.dataSync())).toEqual(before);
    expect(() => kiln.loadTorchWeights(wide, bytes.subarray(0, 100))).toThrow(/PyTorch weights: not a valid safetensors file/);
  });
});

const torchHere = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe.runIf(torchHere)('Kiln weights into PyTorch (Debian\'s python3-torch)', () => {
  it('each twin\'s weights, written by torchWeights, load into the PyTorch model (strict) and give Kiln\'s outputs', async () => {
    const dir = tempDir();
    const outputs: Record<string, number[]> = {};
    for (const [name, make] of Object.entries(TWINS)) {
      kiln.manualSeed(9);
      const model = make();
      // Running statistics that are not the defaults, so that PyTorch's eval-mode batch norm reads Kiln's.
      for (const m of model.modules()) {
        if (m instanceof nn.BatchNorm2d) { m.runningMean.copy_(kiln.randn([m.runningMean.size]).mul(0.3)); m.runningVar.copy_(kiln.rand([m.runningVar.size]).add(0.5)); }
      }
      model.eval();
      const ref = reference(name);
      outputs[name] = Array.from(kiln.noGrad(() => model.forward(kiln.tensor(ref.input.data).reshape(ref.input.shape))).dataSync());
      writeFileSync(join(dir, `${name}.safetensors`), await kiln.torchWeights(model));
    }
    const python = [
      'import importlib.util, json, sys, torch',
      `spec = importlib.util.spec_from_file_location('interop', ${JSON.stringify(SCRIPT)}); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)`,
      'out = {}',
      'for name, cls in m.MODELS.items():',
      '    model = cls(); model.load_state_dict(m.load_safetensors(sys.argv[1] + "/" + name + ".safetensors"), strict=True); model.eval()',
      `    ref = json.load(open(${JSON.stringify(INTEROP)} + "/" + name + ".json"))`,
      '    with torch.no_grad(): out[name] = model(torch.tensor(ref["input"]["data"]).reshape(ref["input"]["shape"])).flatten().tolist()',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', python, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as Record<string, number[]>;
    for (const name of Object.keys(TWINS)) expect(worstRelativeError(theirs[name]!, outputs[name]!), name).toBeLessThanOrEqual(1e-5);
  }, 60_000);
});
