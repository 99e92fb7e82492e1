import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { FormatError } from '../../errors.js';
import { REFERENCE_DIR, worstRelativeError } from '../../../test/helpers.js';
import { encodeModel } from './schema.js';

// ONNX import held to the real other side: models that PyTorch exported (torch.onnx.export, opsets
// 13 and 17; made by scripts/make-interop-reference.py) give PyTorch's outputs in Kiln, and train.

const { nn } = kiln;
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const INTEROP = join(REFERENCE_DIR, 'interop');
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(join(INTEROP, name)));
const reference = (name: string): { input: { shape: number[]; data: number[] }; output: { shape: number[]; data: number[] } } => JSON.parse(readFileSync(join(INTEROP, `${name}.json`), 'utf8'));


describe('importOnnx, from PyTorch', () => {
  for (const [name, kind] of [['lenet5', 'Sequential'], ['every-op', 'Sequential'], ['tiny-resnet', 'Graph']] as const) {
    for (const opset of [13, 17]) {
      it(`${name} exported at opset ${opset} gives PyTorch's outputs (a ${kind})`, async () => {
        const { model, inputShape } = await kiln.importOnnx(file(`${name}-opset${opset}.onnx`));
        const ref = reference(name);
        expect(model.constructor.name).toBe(kind);
        expect(inputShape).toEqual(ref.input.shape.slice(1));
        model.eval();
        const y = kiln.noGrad(() => model.forward(kiln.tensor(ref.input.data).reshape(ref.input.shape)));
        expect(y.shape).toEqual(ref.output.shape);
        expect(worstRelativeError(y.dataSync(), ref.output.data)).toBeLessThanOrEqual(1e-5);
      });
    }
  }

  it('the imported LeNet-5 is trainable: its weights are Parameters and 20 Adam steps on 64 digits more than halve their loss', async () => {
    const { model } = await kiln.importOnnx(file('lenet5-opset17.onnx'));
    expect(model.parameters().length).toBe(10);
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
    const digits = await kiln.data.mnist();
    const x = digits.train.x.narrow(0, 0, 64), y = digits.train.y.narrow(0, 0, 64);
    const opt = new kiln.optim.Adam(model.parameters(), { lr: 3e-3 });
    const loss = (): number => kiln.noGrad(() => nn.functional.crossEntropy(model.forward(x), y)).item();
    const before = loss();
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      nn.functional.crossEntropy(model.forward(x), y).backward();
      opt.step();
    }
    expect(loss()).toBeLessThan(before * 0.5);
  });

  it('the residual network imports as a Graph that saves, loads back and gives the same outputs', async () => {
    const { model } = await kiln.importOnnx(file('tiny-resnet-opset17.onnx'));
    const g = model as kiln.nn.Graph;
    expect(g.nodes.filter((n) => n.merge === 'add')).toHaveLength(2);
    expect(g.nodes.filter((n) => n.merge === 'concat')).toHaveLength(1);
    const again = kiln.deserializeModelFile(kiln.serializeModelFile(model)).model;
    const ref = reference('tiny-resnet');
    const x = kiln.tensor(ref.input.data).reshape(ref.input.shape);
    model.eval();
    again.eval();
    expect(Array.from(kiln.noGrad(() => again.forward(x)).dataSync())).toEqual(Array.from(kiln.noGrad(() => model.forward(x)).dataSync()));
  });
});

describe('ONNX round trip: Kiln → ONNX → Kiln, and ONNX Runtime between', () => {
  it('a residual convnet with a concatenating head, and a Graph of every merge, export and import to the same outputs', async () => {
    kiln.manualSeed(5);
    const block = (c: number): kiln.nn.Module => new nn.Residual(new nn.Sequential(new nn.Conv2d(c, c, 3, { padding: 1 }), new nn.BatchNorm2d(c), new nn.ReLU(), new nn.Conv2d(c, c, 3, { padding: 1 })));
    const resnet = new nn.Sequential(
      new nn.Conv2d(2, 6, 3, { padding: 1 }), new nn.ReLU(), block(6),
      new nn.Residual(new nn.Conv2d(6, 8, 3, { padding: 1 }), new nn.Conv2d(6, 8, 1)),
      new nn.Concat([new nn.AdaptiveAvgPool2d(1), new nn.MaxPool2d(10)]), new nn.Flatten(), new nn.Linear(16, 3),
    );
    const graph = new nn.Graph({
      nodes: [
        { name: 'a', inputs: ['input'], module: new nn.Linear(5, 4) },
        { name: 'b', inputs: ['input'], module: new nn.Sequential(new nn.Linear(5, 4), new nn.Tanh()) },
        { name: 'sum', inputs: ['a', 'b', 'a'], merge: 'add' },
        { name: 'both', inputs: ['sum', 'b'], merge: 'concat', dim: 1 },
        { name: 'head', inputs: ['both'], module: new nn.Linear(8, 2) },
      ],
      output: 'head',
    });
    for (const [model, shape] of [[resnet, [2, 10, 10]], [graph, [5]]] as const) {
      model.eval();
      const x = kiln.randn([3, ...shape]);
      const ours = kiln.noGrad(() => model.forward(x)).dataSync();
      const bytes = await kiln.exportOnnx(model, { inputShape: [...shape] });
      const session = await ort.InferenceSession.create(bytes);
      const theirs = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.dataSync()), x.shape) })).output!.data as Float32Array;
      expect(worstRelativeError(theirs, ours)).toBeLessThanOrEqual(1e-5);
      const back = (await kiln.importOnnx(bytes)).model;
      back.eval();
      expect(worstRelativeError(kiln.noGrad(() => back.forward(x)).dataSync(), ours)).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('importOnnx refuses what it cannot build, with a FormatError that says why', () => {
  /** An ONNX file of `nodes` over a [N, 4] input, written with the schema (as a hostile or foreign file could be). */
  const onnxOf = (nodes: object[], initializer: object[] = [], output = 'y', inputSizes = [4]): Uint8Array => encodeModel({
    ir_version: 8, opset_import: [{ domain: '', version: 17 }],
    graph: {
      node: nodes, initializer,
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, ...inputSizes.map((d) => ({ dim_value: d }))] } } } }],
      output: [{ name: output, type: { tensor_type: { elem_type: 1 } } }],
    },
  });

  it('names the operators it lacks, and reads a file it can', async () => {
    await expect(kiln.importOnnx(onnxOf([{ op_type: 'Gelu', input: ['x'], output: ['g'] }, { op_type: 'Erf', input: ['g'], output: ['y'] }])))
      .rejects.toThrow(/uses operators Kiln cannot build: Gelu, Erf \(Kiln reads Gemm, MatMul/);
    const ok = await kiln.importOnnx(onnxOf([{ op_type: 'Relu', input: ['x'], output: ['y'] }]));
    expect(ok.model).toBeInstanceOf(nn.Sequential);
    expect(ok.inputShape).toEqual([4]);
  });

  it('refuses garbage, a truncated file and a tensor whose data does not match its shape, before allocating', async () => {
    const good = file('lenet5-opset17.onnx');
    await expect(kiln.importOnnx(new Uint8Array([1, 2, 3, 4, 5, 250, 255]))).rejects.toThrow(FormatError);
    await expect(kiln.importOnnx(good.subarray(0, good.length - 1000))).rejects.toThrow(FormatError);
    await expect(kiln.importOnnx(good.subarray(0, good.length - 1000))).rejects.toThrow(/ONNX model: /);
    const huge = onnxOf([{ op_type: 'MatMul', input: ['x', 'w'], output: ['y'] }], [{ name: 'w', dims: [100000, 100000], data_type: 1, raw_data: new Uint8Array(16) }]);
    await expect(kiln.importOnnx(huge)).rejects.toThrow(/tensor "w" has shape \[100000, 100000\] \(10000000000 values\), more than a tensor can hold, with 16 bytes of data/);
    const short = onnxOf([{ op_type: 'MatMul', input: ['x', 'w'], output: ['y'] }], [{ name: 'w', dims: [4, 2], data_type: 1, raw_data: new Uint8Array(16) }]);
    await expect(kiln.importOnnx(short)).rejects.toThrow(/tensor "w" has shape \[4, 2\] \(8 values\) but 16 bytes of data \(truncated\?\)/);
    const external = onnxOf([{ op_type: 'MatMul', input: ['x', 'w'], output: ['y'] }], [{ name: 'w', dims: [4, 2], data_type: 1, data_location: 1 }]);
    await expect(kiln.importOnnx(external)).rejects.toThrow(/stored outside the file \(external data\)/);
  });

  it('says what in a supported operator has no Kiln form', async () => {
    const w = { name: 'w', dims: [4, 2], data_type: 1, raw_data: new Uint8Array(32) };
    await expect(kiln.importOnnx(onnxOf([{ op_type: 'MatMul', input: ['x', 'x'], output: ['y'] }]))).rejects.toThrow(/node 1 \(MatMul\): its weight must be a weight in the file/);
    await expect(kiln.importOnnx(onnxOf([{ op_type: 'Gemm', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'alpha', type: 1, f: 2 }] }], [w]))).rejects.toThrow(/only Gemm with alpha = beta = 1/);
    await expect(kiln.importOnnx(onnxOf([{ op_type: 'Relu', input: ['nothing'], output: ['y'] }]))).rejects.toThrow(/reads "nothing", which no earlier operator computes/);
    await expect(kiln.importOnnx(onnxOf([{ op_type: 'Relu', input: ['x'], output: ['r'] }], [], 'elsewhere'))).rejects.toThrow(/the graph's output "elsewhere" is not computed/);
    // Uneven pads are Kiln's 'same' only when they split the window's reach as Kiln does: [0, 0, 1, 1]
    // is 'same' for a 2×2 kernel, but for a 3×3 one it would be a different convolution.
    const conv = (k: number): Uint8Array => onnxOf(
      [{ op_type: 'Conv', input: ['x', 'k'], output: ['y'], attribute: [{ name: 'pads', type: 7, ints: [0, 0, 1, 1] }] }],
      [{ name: 'k', dims: [1, 1, k, k], data_type: 1, raw_data: new Uint8Array(4 * k * k) }], 'y', [1, 6, 6]);
    expect(((await kiln.importOnnx(conv(2))).model as kiln.nn.Sequential).layers[0]).toMatchObject({ padding: 'same' });
    await expect(kiln.importOnnx(conv(3))).rejects.toThrow(/node 1 \(Conv\): uneven padding \[0, 0, 1, 1\] has no Kiln form/);
  });
});
