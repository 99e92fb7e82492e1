import { ValueError } from '../errors.js';
import { decodePng, imageToInput } from '../data/image.js';
import { readBytes } from '../node/read.js';
import { loadWithMetadata } from '../node/model-files.js';
import { Sequential } from '../nn/layers/sequential.js';
import type { Module } from '../nn/module.js';
import { alexnet } from '../models/alexnet.js';
import { lenet5 } from '../models/lenet5.js';
import { summary } from '../models/summary.js';
import { vgg16 } from '../models/vgg16.js';
import { predict } from '../train/fit.js';
import { exportOnnx } from '../io/onnx/export.js';
import { writeFileAtomic } from '../node/atomic.js';

const ZOO: Record<string, () => Sequential> = { lenet5: () => lenet5(), alexnet: () => alexnet(), vgg16: () => vgg16() };

function parseShape(text: string): number[] {
  const dims = text.split(',').map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new ValueError(`--input-shape must be sizes like 1,28,28, got "${text}"`);
  return dims;
}

/** A zoo model by name, or a saved model (directory or one file), with one example's shape where known. */
async function modelAndShape(command: string, target: string, inputShape: string | undefined): Promise<{ model: Module; shape: number[] }> {
  const { existsSync } = await import('node:fs');
  if (!(target in ZOO) && !existsSync(target)) {
    throw new ValueError(`${command}: "${target}" is neither a zoo model (${Object.keys(ZOO).join(', ')}) nor a saved model (a directory or .safetensors file)`);
  }
  const model: Module = target in ZOO ? ZOO[target]!() : (await loadWithMetadata(target)).model;
  const shape = inputShape ? parseShape(inputShape) : model instanceof Sequential ? model.inputShape ?? undefined : undefined;
  if (!shape) throw new ValueError(`${command}: ${target} does not record its input shape; pass --input-shape, e.g. --input-shape 1,28,28`);
  return { model, shape };
}

/** `kiln summary <lenet5|alexnet|vgg16|model dir>`: each layer's output shape and parameters. */
export async function summaryCommand(target: string, o: { inputShape?: string }, log: (line: string) => void = console.log): Promise<void> {
  const { model, shape } = await modelAndShape('summary', target, o.inputShape);
  log(summary(model, shape));
}

/** `kiln export <model> --onnx out.onnx`: the model as an ONNX file, for ONNX Runtime and other frameworks. */
export async function exportCommand(target: string, o: { onnx?: string; inputShape?: string; opset?: string }, log: (line: string) => void = console.log): Promise<void> {
  if (!o.onnx) throw new ValueError('export: say where to write the model: --onnx out.onnx');
  const { model, shape } = await modelAndShape('export', target, o.inputShape);
  const opset = o.opset === undefined ? undefined : Number(o.opset);
  const bytes = await exportOnnx(model, { inputShape: shape, ...(opset === undefined ? {} : { opset }) });
  await writeFileAtomic(o.onnx, bytes, 'export');
  const params = model.parameters().reduce((n, p) => n + p.size, 0);
  log(`wrote ${o.onnx}: ONNX opset ${opset ?? 17}, input [N, ${shape.join(', ')}], ${params.toLocaleString('en-US')} parameters, ${(bytes.length / 1024).toFixed(0)} KB`);
}

/**
 * `kiln predict <model dir> <image.png>`: the class probabilities of a grayscale image, shrunk to
 * the model's input size (dark ink on a light background is inverted to MNIST's white on black).
 */
export async function predictCommand(modelDir: string, imagePath: string, log: (line: string) => void = console.log): Promise<void> {
  const { model } = await loadWithMetadata(modelDir);
  const shape = model instanceof Sequential ? model.inputShape : null;
  if (!shape || shape.length !== 3 || shape[0] !== 1) {
    throw new ValueError(`predict: ${modelDir} is not an image model with one channel (its input shape is ${shape ? `[${shape.join(', ')}]` : 'unknown'}); train one with kiln train mnist`);
  }
  const bytes = await readBytes(imagePath, 'predict');
  const x = imageToInput(decodePng(bytes, imagePath), [shape[1]!, shape[2]!]);
  const out = await predict(model, x);
  // A model that ends in softmax gives probabilities; otherwise turn its scores into them.
  const sum = Array.from(out.values).reduce((a, b) => a + b, 0);
  const probs = Array.from(Math.abs(sum - 1) < 1e-4 && out.values.every((v) => v >= 0) ? out.values : out.softmax(1).values);
  const best = probs.indexOf(Math.max(...probs));
  log(`prediction: ${best} (${(probs[best]! * 100).toFixed(1)}%)`);
  probs.forEach((p, i) => log(`  ${i}: ${p.toFixed(4)} ${'█'.repeat(Math.round(p * 40))}`));
}
