import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kiln from '../../index.js';
import { ValueError } from '../../errors.js';
import { Generator } from '../../tensor/random.js';
import { decodeModel } from './schema.js';
import { tempDir, worstRelativeError } from '../../../test/helpers.js';

// ONNX export held to the real other side: every exported model runs in ONNX Runtime (the
// onnxruntime-node devDependency, its CPU build) and gives Kiln's outputs within 1e-5.

const { nn, models } = kiln;
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

/** Runs the ONNX bytes on `x` in ONNX Runtime; returns the output's values and shape. */
async function runOrt(bytes: Uint8Array, x: kiln.Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  const input = new ort.Tensor('float32', Float32Array.from(x.dataSync()), x.shape);
  const out = (await session.run({ [session.inputNames[0]!]: input }))[session.outputNames[0]!]!;
  return { data: out.data as Float32Array, dims: out.dims };
}

/** Exports `model`, runs it in ONNX Runtime on a random batch, and expects Kiln's outputs within 1e-5 (relative past 1). */
async function expectSameAsOrt(model: kiln.nn.Module, inputShape: number[], batch = 3): Promise<number> {
  model.eval();
  const x = kiln.randn([batch, ...inputShape]);
  const ours = kiln.noGrad(() => model.forward(x));
  const bytes = await kiln.exportOnnx(model, { inputShape });
  const theirs = await runOrt(bytes, x);
  expect([...theirs.dims]).toEqual(ours.shape);
  const worst = worstRelativeError(theirs.data, ours.dataSync());
  expect(worst).toBeLessThanOrEqual(1e-5);
  return worst;
}

describe('exportOnnx, run in ONNX Runtime', () => {
  it('LeNet-5 in each of its forms (tanh/avg, ReLU/max, 28 and 32 pixels, 3 channels)', async () => {
    kiln.manualSeed(0);
    await expectSameAsOrt(models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' }), [1, 28, 28]);
    await expectSameAsOrt(models.lenet5(), [1, 32, 32]);
    await expectSameAsOrt(models.lenet5({ inChannels: 3 }), [3, 32, 32]);
  });

  it('AlexNet and VGG-16 (dropout as the identity, adaptive pooling)', async () => {
    kiln.manualSeed(1);
    await expectSameAsOrt(models.alexnet({ classes: 10 }), [3, 227, 227], 1);
    await expectSameAsOrt(models.vgg16({ classes: 10 }), [3, 224, 224], 1);
  }, 240_000);

  it('every layer and activation: conv stride, padding (same), dilation and groups, pools, batch norm in eval, PReLU, softmax', async () => {
    kiln.manualSeed(2);
    const bn = new nn.BatchNorm2d(8);
    const conv = new nn.Sequential(
      new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1 }), bn, new nn.PReLU(8), new nn.Dropout(0.3),
      new nn.Conv2d(8, 8, 3, { padding: 'same', dilation: 2, groups: 4 }), new nn.LeakyReLU(0.2),
      new nn.Conv2d(8, 6, [2, 4], { padding: 'same', bias: false }), new nn.Tanh(),
      new nn.MaxPool2d(3, { stride: 2, padding: 1 }), new nn.AvgPool2d(2, { padding: 1 }), new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(), new nn.Linear(6, 5), new nn.Sigmoid(), new nn.Linear(5, 4, { bias: false }), new nn.Identity(), new nn.LogSoftmax(),
    );
    // Running statistics that are not the defaults, so eval-mode normalisation is really tested.
    bn.runningMean = kiln.randn([8]);
    bn.runningVar = kiln.rand([8]).add(0.5);
    await expectSameAsOrt(conv, [4, 17, 15]);
    const mlp = new nn.Sequential(new nn.Linear(7, 9), new nn.BatchNorm1d(9, { affine: false }), new nn.ReLU(), new nn.PReLU(), new nn.Linear(9, 3), new nn.Softmax(1));
    await expectSameAsOrt(mlp, [7]);
    // Flatten over other dims (a Reshape), Linear on a 3-D input (MatMul + Add), adaptive pooling by even windows.
    const odd = new nn.Sequential(new nn.AdaptiveAvgPool2d([2, 3]), new nn.Flatten(2), new nn.Linear(6, 4), new nn.Flatten(0, 1), new nn.Softmax(0));
    await expectSameAsOrt(odd, [5, 4, 9], 2);
  });

  it('random networks: 12 seeded MLPs and convnets of every activation', async () => {
    const gen = new Generator(7);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(gen.uniform() * xs.length)]!;
    const activation = (): kiln.nn.Module => pick([() => new nn.ReLU(), () => new nn.Tanh(), () => new nn.Sigmoid(), () => new nn.LeakyReLU(), () => new nn.PReLU()])();
    for (let trial = 0; trial < 12; trial++) {
      kiln.manualSeed(100 + trial);
      const layers: kiln.nn.Module[] = [];
      let shape: number[];
      if (trial % 2 === 0) {
        let width = 1 + Math.floor(gen.uniform() * 12);
        shape = [width];
        for (let l = 0; l < 1 + Math.floor(gen.uniform() * 4); l++) {
          const next = 1 + Math.floor(gen.uniform() * 16);
          layers.push(new nn.Linear(width, next), activation());
          width = next;
        }
      } else {
        let c = 1 + Math.floor(gen.uniform() * 3);
        const size = 8 + Math.floor(gen.uniform() * 10);
        shape = [c, size, size];
        let s = size;
        for (let l = 0; l < 2; l++) {
          const next = 2 + Math.floor(gen.uniform() * 6), k = pick([1, 3, 5]);
          layers.push(new nn.Conv2d(c, next, k, { padding: Math.floor(k / 2) }), activation());
          c = next;
          if (s >= 4) { layers.push(pick([() => new nn.MaxPool2d(2), () => new nn.AvgPool2d(2)])()); s = Math.floor(s / 2); }
        }
        layers.push(new nn.Flatten(), new nn.Linear(c * s * s, 3));
      }
      const worst = await expectSameAsOrt(new nn.Sequential(...layers), shape);
      expect(worst, `trial ${trial}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('names initializers by state-dict path, declares a symbolic batch dimension and takes any batch size', async () => {
    kiln.manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    model.inputShape = [4];
    const bytes = await kiln.exportOnnx(model);
    const decoded = decodeModel(bytes);
    expect(decoded.producer_name).toBe('kiln');
    // The producer's version is the package's.
    expect(decoded.producer_version).toBe((JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    expect(decoded.opset_import[0]!.version).toBe(17);
    expect(decoded.graph!.initializer.map((t) => t.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(decoded.graph!.node.map((n) => n.op_type)).toEqual(['Gemm', 'Relu', 'Gemm']);
    expect(decoded.graph!.input[0]!.type!.tensor_type!.shape!.dim.map((d) => (d.value === 'dim_param' ? d.dim_param : d.dim_value))).toEqual(['N', 4]);
    for (const batch of [1, 5]) {
      const x = kiln.randn([batch, 4]);
      const theirs = await runOrt(bytes, x);
      const ours = kiln.noGrad(() => model.forward(x)).dataSync();
      expect(Array.from(theirs.data).map((v, i) => Math.abs(v - ours[i]!)).every((d) => d < 1e-6)).toBe(true);
    }
    // Older opsets in range write the same operators.
    const old = await kiln.exportOnnx(model, { opset: 13 });
    expect((await runOrt(old, kiln.ones([2, 4]))).dims).toEqual([2, 2]);
  });

  it('says what is wrong: no input shape, a bad opset, a layer with no ONNX form, uneven adaptive pooling', async () => {
    const model = new nn.Sequential(new nn.Linear(4, 3));
    await expect(kiln.exportOnnx(model)).rejects.toThrow('exportOnnx: pass inputShape');
    await expect(kiln.exportOnnx(model, { inputShape: [4], opset: 11 })).rejects.toThrow('exportOnnx: opset must be one of 13, 14, 15, 16, 17, got 11');
    await expect(kiln.exportOnnx(model, { inputShape: [5] })).rejects.toThrow(/linear: input \[1, 5\] has 5 features/);
    await expect(kiln.exportOnnx(model, { inputShape: [4], inputSize: 3 } as never)).rejects.toThrow(ValueError);
    class Doubler extends nn.Module { forward(x: kiln.Tensor): kiln.Tensor { return x.mul(2); } }
    await expect(kiln.exportOnnx(new nn.Sequential(new nn.Linear(4, 3), new Doubler()), { inputShape: [4] })).rejects.toThrow('exportOnnx: 1 (Doubler) has no ONNX form; register one with kiln.registerOnnxExporter(Doubler, …)');
    await expect(kiln.exportOnnx(new nn.Sequential(new nn.AdaptiveAvgPool2d(3)), { inputShape: [2, 7, 7] })).rejects.toThrow(/pools 7×7 to 3×3, whose windows differ in size/);
  });

  it('a custom module exports through registerOnnxExporter', async () => {
    class Doubler extends nn.Module { forward(x: kiln.Tensor): kiln.Tensor { return x.mul(2); } }
    kiln.registerOnnxExporter(Doubler, (_m, x, b, path) => ({ name: b.node('Mul', [x.name, b.constant(`${path}.two`, [], Float32Array.of(2))], {}, path), shape: x.shape }));
    await expectSameAsOrt(new nn.Sequential(new nn.Linear(4, 3), new Doubler(), new nn.Tanh()), [4]);
  });
});

// ONNX's own checker (Debian's python3-onnx, installed by .ci/run) on what Kiln writes.
const onnxChecker = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

describe.runIf(onnxChecker)('exportOnnx, checked by onnx.checker', () => {
  it('LeNet-5, a convnet of every layer, an MLP, a residual net and a graph pass the full check (with shape inference)', async () => {
    const dir = tempDir();
    kiln.manualSeed(4);
    const files: string[] = [];
    const save = async (name: string, model: kiln.nn.Module, inputShape: number[], opset = 17): Promise<void> => {
      const path = join(dir, `${name}.onnx`);
      writeFileSync(path, await kiln.exportOnnx(model, { inputShape, opset }));
      files.push(path);
    };
    await save('lenet5', models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' }), [1, 28, 28]);
    await save('every-layer', new nn.Sequential(
      new nn.Conv2d(3, 4, 3, { padding: 'same', groups: 1 }), new nn.BatchNorm2d(4), new nn.PReLU(4), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 4, 3, { groups: 2, dilation: 2 }), new nn.LeakyReLU(), new nn.AvgPool2d(2, { padding: 1 }), new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(), new nn.Dropout(), new nn.Linear(4, 3), new nn.Sigmoid(), new nn.Identity(), new nn.Softmax(),
    ), [3, 16, 16], 13);
    await save('mlp', new nn.Sequential(new nn.Linear(5, 4), new nn.Tanh(), new nn.BatchNorm1d(4), new nn.Linear(4, 2), new nn.LogSoftmax()), [5], 15);
    await save('residual', new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.Residual(new nn.Sequential(new nn.Conv2d(4, 4, 3, { padding: 1 }), new nn.ReLU())),
      new nn.Concat([new nn.AdaptiveAvgPool2d(1), new nn.MaxPool2d(6)]), new nn.Flatten(), new nn.Linear(8, 2),
    ), [2, 6, 6], 16);
    await save('graph', new nn.Graph({ nodes: [
      { name: 'a', inputs: ['input'], module: new nn.Linear(3, 3) },
      { name: 's', inputs: ['a', 'input', 'a'], merge: 'add' },
      { name: 'c', inputs: ['s', 'input'], merge: 'concat' },
    ], output: 'c' }), [3]);
    const check = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sys\nfor p in sys.argv[1:]: onnx.checker.check_model(onnx.load(p), full_check=True)\nprint("ok", len(sys.argv) - 1)', ...files], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.stdout.trim()).toBe(`ok ${files.length}`);
  });
});
