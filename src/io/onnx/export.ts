// exportOnnx: a Kiln model as an ONNX model (opset 13–17), encoded by pbf's generated code. Each layer
// becomes the ONNX operator of the same meaning; its weights become initializers named by their
// state-dict path (`features.0.weight`), so the file reads like the model. The batch dimension is
// symbolic ("N"), so the exported model takes any batch size.
import { ValueError } from '../../errors.js';
import { Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Tanh } from '../../nn/layers/activations.js';
import { BatchNorm } from '../../nn/layers/batch-norm.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { Dropout } from '../../nn/layers/dropout.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Linear } from '../../nn/layers/linear.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../nn/layers/pool.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { Concat } from '../../nn/layers/concat.js';
import { Graph, mergeShape } from '../../nn/layers/graph.js';
import { Residual } from '../../nn/layers/residual.js';
import type { Module } from '../../nn/module.js';
import { window2d } from '../../ops/window.js';
import { normalizeDim } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions } from '../../validate.js';
import { VERSION } from '../../version.js';
import { readableState } from '../model-file.js';
import { ATTRIBUTE_TYPE, ONNX_DTYPE, encodeModel } from './schema.js';

export interface OnnxExportOptions {
  /** One example's shape, without the batch dimension (e.g. [1, 28, 28]); a Sequential that recorded it needs none. */
  inputShape?: readonly number[];
  /** The ONNX opset (13 to 17; default 17). */
  opset?: number;
  /** The graph's input and output names (default "input" and "output"). */
  inputName?: string;
  outputName?: string;
}

/** The opsets whose operators, as Kiln writes them, mean the same. */
export const ONNX_OPSETS = [13, 14, 15, 16, 17] as const;

/** A value flowing through the graph: its name and its shape (the batch dimension as 1). */
export interface OnnxValue { name: string; shape: number[] }

/** An ONNX node attribute as written (AttributeProto's fields). */
export interface OnnxAttribute { name: string; type: number; f?: number; i?: number; ints?: number[]; floats?: number[]; s?: Uint8Array }
/** An ONNX node as written (NodeProto's fields). */
export interface OnnxNode { op_type: string; input: string[]; output: string[]; name: string; attribute: OnnxAttribute[] }
/** An ONNX initializer as written (TensorProto's fields, the values as little-endian bytes). */
export interface OnnxInitializer { name: string; dims: number[]; data_type: number; raw_data: Uint8Array }

/** The ONNX element type of a Kiln float dtype. */
const floatType = (dtype: string): number => (dtype === 'float64' ? ONNX_DTYPE.DOUBLE : ONNX_DTYPE.FLOAT);

/** Builds one ONNX graph: nodes in order, initializers, unique names. */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private readonly used = new Set<string>();

  constructor(private readonly state: Record<string, Tensor>) {}

  /** A name not used before, from `base`. */
  fresh(base: string): string {
    let name = base, k = 1;
    while (this.used.has(name)) name = `${base}_${k++}`;
    this.used.add(name);
    return name;
  }

  /** Adds the model's tensor at state-dict path `path` as an initializer; returns its name (the path). */
  weight(path: string, reshape?: number[]): string {
    const t = this.state[path];
    if (!t) throw new ValueError(`exportOnnx: the model has no tensor ${path}`);
    const values = t.dataSync();
    if (!(values instanceof Float32Array || values instanceof Float64Array)) throw new ValueError(`exportOnnx: ${path} is ${t.dtype}; ONNX weights here are float32 or float64`);
    return this.constant(path, reshape ?? [...t.shape], values, floatType(t.dtype));
  }

  /** Adds an initializer of these values. */
  constant(base: string, dims: number[], values: Float32Array | Float64Array | BigInt64Array, dataType: number = ONNX_DTYPE.FLOAT): string {
    const name = this.fresh(base);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    this.initializers.push({ name, dims, data_type: dataType, raw_data: bytes });
    return name;
  }

  /** Adds a node, named from `base` (its module's path; the operator at the model's root); returns its (one) output's name. */
  node(opType: string, input: string[], attrs: Record<string, number | number[] | string> = {}, base = ''): string {
    base ||= opType;
    const output = this.fresh(`${base}_out`);
    const attribute = Object.entries(attrs).map(([name, v]): OnnxAttribute => {
      if (typeof v === 'string') return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: ATTRIBUTE_TYPE.INTS, ints: v };
      return Number.isInteger(v) && !FLOAT_ATTRIBUTES.has(name) ? { name, type: ATTRIBUTE_TYPE.INT, i: v } : { name, type: ATTRIBUTE_TYPE.FLOAT, f: v };
    });
    this.nodes.push({ op_type: opType, input, output: [output], name: this.fresh(base), attribute });
    return output;
  }
}

/** Attributes that ONNX types as float even when their value is whole (LeakyRelu's alpha 1, say). */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'epsilon', 'momentum']);

/** Writes one module's operators after `x`; returns the value it produces. */
export type OnnxExporter = (m: Module, x: OnnxValue, b: OnnxGraphBuilder, path: string) => OnnxValue;

const prefix = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const same = (x: OnnxValue, name: string): OnnxValue => ({ name, shape: x.shape });

/** Each built-in layer's ONNX form. Custom modules may add theirs with registerOnnxExporter. */
const EXPORTERS = new Map<Function, OnnxExporter>([
  [Sequential, (m, x, b, path) => m.namedChildren().reduce((v, [name, layer]) => exportModule(layer, v, b, prefix(path, name)), x)],
  [Residual, (m, x, b, path) => {
    const r = m as Residual;
    const y = exportModule(r.block, x, b, prefix(path, 'block'));
    const s = r.shortcut ? exportModule(r.shortcut, x, b, prefix(path, 'shortcut')) : x;
    return same(y, b.node('Add', [y.name, s.name], {}, path));
  }],
  [Concat, (m, x, b, path) => {
    const c = m as Concat;
    const ys = c.branches.map((branch, i) => exportModule(branch, x, b, prefix(path, String(i))));
    return { name: b.node('Concat', ys.map((y) => y.name), { axis: c.dim }, path), shape: c.outputShape(x.shape) };
  }],
  [Graph, (m, x, b, path) => (m as Graph).walk(x, (node, ins) => {
    if (node.module) return exportModule(node.module, ins[0]!, b, prefix(path, node.name));
    const shape = mergeShape(node, ins.map((v) => v.shape));
    // Add takes two inputs: a sum of more is a chain of them.
    if (node.merge === 'add') return { name: ins.slice(1).reduce((acc, v, i) => b.node('Add', [acc, v.name], {}, i === ins.length - 2 ? prefix(path, node.name) : `${prefix(path, node.name)}_${i}`), ins[0]!.name), shape };
    return { name: b.node('Concat', ins.map((v) => v.name), { axis: node.dim ?? 1 }, prefix(path, node.name)), shape };
  })],
  [Linear, (m, x, b, path) => {
    const l = m as Linear;
    const shape = [...x.shape.slice(0, -1), l.outFeatures];
    if (x.shape.length === 2) {
      return { name: b.node('Gemm', [x.name, b.weight(prefix(path, 'weight')), ...(l.bias ? [b.weight(prefix(path, 'bias'))] : [])], { transB: 1 }, path), shape };
    }
    // Beyond 2-D, Gemm does not apply: x·Wᵀ (+ b) as MatMul with the transposed weight, then Add.
    const wt = b.node('Transpose', [b.weight(prefix(path, 'weight'))], { perm: [1, 0] }, `${path}.weight_T`);
    const y = b.node('MatMul', [x.name, wt], {}, path);
    return { name: l.bias ? b.node('Add', [y, b.weight(prefix(path, 'bias'))], {}, `${path}.add_bias`) : y, shape };
  }],
  [Conv2d, (m, x, b, path) => {
    const c = m as Conv2d;
    const g = window2d('Conv2d', x.shape, c.kernelSize, c.convOptions());
    // Padding [top, left, bottom, right]; 'same' (stride 1) puts an odd kernel's extra pixel at the bottom/right, as window2d.
    const pads = c.padding === 'same'
      ? [g.padH, g.padW, g.dilH * (g.KH - 1) - g.padH, g.dilW * (g.KW - 1) - g.padW]
      : [g.padH, g.padW, g.padH, g.padW];
    const inputs = [x.name, b.weight(prefix(path, 'weight')), ...(c.bias ? [b.weight(prefix(path, 'bias'))] : [])];
    const name = b.node('Conv', inputs, {
      kernel_shape: [...c.kernelSize], strides: [...c.stride], pads, dilations: [...c.dilation], group: c.groups,
    }, path);
    return { name, shape: [g.N, c.outChannels, g.OH, g.OW] };
  }],
  [MaxPool2d, (m, x, b, path) => pool('MaxPool', m as MaxPool2d, x, b, path, {})],
  [AvgPool2d, (m, x, b, path) => pool('AveragePool', m as AvgPool2d, x, b, path, { count_include_pad: 1 })],
  [AdaptiveAvgPool2d, (m, x, b, path) => {
    const [oh, ow] = (m as AdaptiveAvgPool2d).outputSize;
    const [N, C, H, W] = x.shape as [number, number, number, number];
    if (oh === 1 && ow === 1) return { name: b.node('GlobalAveragePool', [x.name], {}, path), shape: [N, C, 1, 1] };
    if (H % oh !== 0 || W % ow !== 0) {
      throw new ValueError(`exportOnnx: ${path || 'AdaptiveAvgPool2d'} pools ${H}×${W} to ${oh}×${ow}, whose windows differ in size; ONNX has no adaptive pooling (only the global one, to 1×1, and windows that divide the input evenly)`);
    }
    const kernel = [H / oh, W / ow];
    return { name: b.node('AveragePool', [x.name], { kernel_shape: kernel, strides: kernel }, path), shape: [N, C, oh, ow] };
  }],
  [BatchNorm, (m, x, b, path) => {
    const bn = m as BatchNorm;
    const n = bn.runningMean.size, dtype = floatType(bn.runningMean.dtype);
    const filled = (v: number): Float32Array | Float64Array => (dtype === ONNX_DTYPE.DOUBLE ? new Float64Array(n) : new Float32Array(n)).fill(v);
    const scale = bn.weight ? b.weight(prefix(path, 'weight')) : b.constant(prefix(path, 'scale'), [n], filled(1), dtype);
    const bias = bn.bias ? b.weight(prefix(path, 'bias')) : b.constant(prefix(path, 'shift'), [n], filled(0), dtype);
    // Eval mode: the running statistics normalise (ONNX's inference form of the layer).
    return same(x, b.node('BatchNormalization', [x.name, scale, bias, b.weight(prefix(path, 'runningMean')), b.weight(prefix(path, 'runningVar'))], { epsilon: bn.eps }, path));
  }],
  // Dropout is the identity at inference: no operator at all.
  [Dropout, (_m, x) => x],
  [Identity, (_m, x, b, path) => same(x, b.node('Identity', [x.name], {}, path))],
  [Flatten, (m, x, b, path) => {
    const f = m as Flatten;
    const shape = f.outputShape(x.shape);
    const rank = x.shape.length, start = normalizeDim(f.startDim, rank, 'flatten'), end = normalizeDim(f.endDim, rank, 'flatten');
    if (start === 1 && end === rank - 1) return { name: b.node('Flatten', [x.name], { axis: 1 }, path), shape };
    // Any other range: a Reshape to the merged shape, the batch dimension copied (0) or, when merged in, inferred (−1).
    const target = shape.map((d, i) => (i === 0 ? (start === 0 ? -1 : 0) : d));
    const to = b.constant(`${path || 'Flatten'}.shape`, [target.length], BigInt64Array.from(target.map(BigInt)), ONNX_DTYPE.INT64);
    return { name: b.node('Reshape', [x.name, to], {}, path), shape };
  }],
  [Sigmoid, (_m, x, b, path) => same(x, b.node('Sigmoid', [x.name], {}, path))],
  [Tanh, (_m, x, b, path) => same(x, b.node('Tanh', [x.name], {}, path))],
  [ReLU, (_m, x, b, path) => same(x, b.node('Relu', [x.name], {}, path))],
  [LeakyReLU, (m, x, b, path) => same(x, b.node('LeakyRelu', [x.name], { alpha: (m as LeakyReLU).negativeSlope }, path))],
  [PReLU, (m, x, b, path) => {
    // One slope per channel (dim 1), broadcast over what follows it: [C, 1, 1] for images.
    const p = m as PReLU, rank = x.shape.length;
    const dims = p.numParameters === 1 ? [1] : [p.numParameters, ...Array<number>(Math.max(0, rank - 2)).fill(1)];
    return same(x, b.node('PRelu', [x.name, b.weight(prefix(path, 'weight'), dims)], {}, path));
  }],
  [Softmax, (m, x, b, path) => same(x, b.node('Softmax', [x.name], { axis: (m as Softmax).dim }, path))],
  [LogSoftmax, (m, x, b, path) => same(x, b.node('LogSoftmax', [x.name], { axis: (m as LogSoftmax).dim }, path))],
]);

function pool(op: string, p: MaxPool2d | AvgPool2d, x: OnnxValue, b: OnnxGraphBuilder, path: string, extra: Record<string, number>): OnnxValue {
  const g = window2d(op, x.shape, p.kernelSize, { stride: p.stride, padding: p.padding });
  const name = b.node(op, [x.name], { kernel_shape: [...p.kernelSize], strides: [...p.stride], pads: [g.padH, g.padW, g.padH, g.padW], ...extra }, path);
  return { name, shape: [g.N, g.C, g.OH, g.OW] };
}

/**
 * Makes a custom module class exportable: `exporter` writes its operators with the builder (its
 * `node`, `weight` and `constant`) and returns the value it produces. The class's instances (and
 * its subclasses') use it.
 */
export function registerOnnxExporter(cls: abstract new (...args: never[]) => Module, exporter: OnnxExporter): void {
  EXPORTERS.set(cls, exporter);
}

/** Writes module `m` (at state-dict path `path`) after value `x`. */
export function exportModule(m: Module, x: OnnxValue, b: OnnxGraphBuilder, path: string): OnnxValue {
  for (let c: unknown = m.constructor; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const exporter = EXPORTERS.get(c as Function);
    if (exporter) return exporter(m, x, b, path);
  }
  throw new ValueError(`exportOnnx: ${path ? `${path} (${m.constructor.name})` : m.constructor.name} has no ONNX form; register one with kiln.registerOnnxExporter(${m.constructor.name}, …)`);
}

/**
 * The model as an ONNX file's bytes, for ONNX Runtime (Node, web, servers), PyTorch's importers
 * or any other framework. The model is exported as it runs in eval mode (dropout off, batch
 * norm's running statistics); its weights are read from whatever backend holds them.
 * @example
 * const bytes = await kiln.exportOnnx(model, { inputShape: [1, 28, 28] });
 * // Node: await writeFile('model.onnx', bytes); then onnxruntime-node's InferenceSession.create('model.onnx')
 */
export async function exportOnnx(model: Module, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  checkOptions('exportOnnx', options, ['inputShape', 'opset', 'inputName', 'outputName']);
  const opset = options.opset ?? 17;
  if (!(ONNX_OPSETS as readonly number[]).includes(opset)) throw new ValueError(`exportOnnx: opset must be one of ${ONNX_OPSETS.join(', ')}, got ${String(opset)}`);
  const inputShape = options.inputShape ?? (model instanceof Sequential ? model.inputShape : null);
  if (!inputShape) throw new ValueError('exportOnnx: pass inputShape, one example\'s shape without the batch dimension (e.g. { inputShape: [1, 28, 28] })');
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 1)) throw new ValueError(`exportOnnx: inputShape must be sizes ≥ 1, got ${JSON.stringify(inputShape)}`);
  const inputName = options.inputName ?? 'input', outputName = options.outputName ?? 'output';
  if (inputName === outputName) throw new ValueError(`exportOnnx: the input and the output need different names, got "${inputName}" for both`);
  // The shapes each layer gives, checked before anything is written (a misfit throws its ShapeError here).
  model.outputShape([1, ...inputShape]);

  const state = await readableState(model);
  const b = new OnnxGraphBuilder(state);
  b.fresh(inputName);
  b.fresh(outputName);
  const dtype = floatType(model.parameters()[0]?.dtype ?? 'float32');
  const out = exportModule(model, { name: inputName, shape: [1, ...inputShape] }, b, '');
  // The last operator's output takes the graph's output name (an Identity when no operator made it).
  const last = b.nodes.at(-1);
  if (last && last.output[0] === out.name) last.output[0] = outputName;
  else b.nodes.push({ op_type: 'Identity', input: [out.name], output: [outputName], name: b.fresh('Identity'), attribute: [] });

  const valueInfo = (name: string, shape: number[]) => ({
    name,
    type: { tensor_type: { elem_type: dtype, shape: { dim: shape.map((d, i) => (i === 0 ? { dim_param: 'N' } : { dim_value: d })) } } },
  });
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'kiln',
    producer_version: VERSION,
    graph: {
      name: model.constructor.name,
      node: b.nodes,
      initializer: b.initializers,
      input: [valueInfo(inputName, [1, ...inputShape])],
      output: [valueInfo(outputName, out.shape)],
    },
  });
}
