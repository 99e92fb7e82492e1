// importOnnx: an ONNX model (Kiln's own exports, or torch.onnx.export at opsets 13–17) as a
// trainable Kiln model. Each operator becomes the Kiln layer of the same meaning, its weights
// Parameters; a graph that is one chain becomes a Sequential, any other (residuals,
// concatenations) a Graph whose nodes are named after the file's. Everything read from the file is
// checked against the file's own size before anything is allocated, and what Kiln cannot express
// is a FormatError naming it.
import { FormatError } from '../../errors.js';
import { Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Tanh } from '../../nn/layers/activations.js';
import { BatchNorm1d, BatchNorm2d } from '../../nn/layers/batch-norm.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { Dropout } from '../../nn/layers/dropout.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Linear } from '../../nn/layers/linear.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../nn/layers/pool.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { Graph } from '../../nn/layers/graph.js';
import type { GraphNode } from '../../nn/layers/graph.js';
import type { Module } from '../../nn/module.js';
import { noGrad } from '../../autograd/tape.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { copyStorage } from '../../tensor/storage.js';
import { ONNX_DTYPE, decodeModel } from './schema.js';
import type { ModelProto, TensorProto } from './schema.js';

/** The ONNX operators importOnnx understands. */
export const ONNX_IMPORT_OPS = [
  'Gemm', 'MatMul', 'Add', 'Conv', 'Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'PRelu', 'Softmax', 'LogSoftmax',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Flatten', 'Reshape', 'BatchNormalization', 'Dropout', 'Identity', 'Constant',
  'Concat', 'Pad',
] as const;

/** A constant of the file: its shape and values (float32, or int64 as numbers). */
interface Constant { dims: number[]; values: Float32Array | number[] }

/** The most elements one tensor of the file may claim (a FormatError beyond: a hostile or broken file). */
const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Builds a trainable Kiln model from an ONNX file's bytes. Returns the model and one example's
 * input shape (from the file's input, batch dimension left out).
 * @example
 * const { model, inputShape } = await kiln.importOnnx(await readFile('lenet.onnx'));
 */
export async function importOnnx(bytes: Uint8Array, what = 'ONNX model'): Promise<{ model: Module; inputShape: number[] | null }> {
  const fail = (why: string): never => { throw new FormatError(`${what}: ${why}`); };
  if (!(bytes instanceof Uint8Array)) fail('pass the file\'s bytes (a Uint8Array)');
  let msg: ModelProto;
  try {
    msg = decodeModel(bytes);
  } catch (e) {
    return fail(`not an ONNX protobuf (${(e as Error).message}); truncated or another format?`);
  }
  const graph = msg.graph;
  if (!graph || !graph.node) return fail('it holds no graph (is it an ONNX model file?)');
  const opset = msg.opset_import?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  if (opset === undefined || opset < 7) fail(`opset ${opset ?? 'none'}: Kiln reads the default domain's opsets 7 and later (13–17 tested)`);
  const unknown = [...new Set(graph.node.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.op_type}` : n.op_type ?? '?')).filter((op) => !(ONNX_IMPORT_OPS as readonly string[]).includes(op)))];
  if (unknown.length) fail(`it uses operators Kiln cannot build: ${unknown.join(', ')} (Kiln reads ${ONNX_IMPORT_OPS.join(', ')})`);

  const constants = new Map<string, Constant>();
  for (const t of graph.initializer ?? []) constants.set(t.name ?? '', readTensor(t, fail));
  const inputs = (graph.input ?? []).filter((v) => !constants.has(v.name ?? ''));
  if (inputs.length !== 1) fail(`it has ${inputs.length} inputs that are not weights; Kiln builds models of one input`);
  if ((graph.output ?? []).length !== 1) fail(`it has ${(graph.output ?? []).length} outputs; Kiln builds models of one output`);
  const dims = inputs[0]!.type?.tensor_type?.shape?.dim;
  const inputShape = dims && dims.length > 1 && dims.slice(1).every((d) => d.value === 'dim_value' && d.dim_value > 0) ? dims.slice(1).map((d) => d.dim_value) : null;

  // Each computed value of the file is a node of the Kiln graph (or an alias of one): `valueNode`
  // maps the file's value names to graph node names, 'input' being the graph's input.
  const valueNode = new Map<string, string>([[inputs[0]!.name ?? '', 'input']]);
  const rankOf = new Map<string, number | null>([['input', dims?.length ?? null]]);
  const kilnNodes: GraphNode[] = [];
  const usedNames = new Set(['input']);
  const nodes = graph.node;
  // How many operators read each value (a MatMul's output read only by an Add of a constant is one Linear layer).
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) readers.set(i, (readers.get(i) ?? 0) + 1);
  const skip = new Set<number>();
  for (let k = 0; k < nodes.length; k++) {
    if (skip.has(k)) continue;
    const node = nodes[k]!;
    const op = node.op_type!, ins = node.input ?? [], outs = node.output ?? [];
    const label = `node ${k + 1} (${op}${node.name ? ` "${node.name}"` : ''})`;
    const attrs = new Map((node.attribute ?? []).map((a) => [a.name, a]));
    const int = (name: string, dflt: number): number => attrs.get(name)?.i ?? dflt;
    const ints = (name: string): number[] | undefined => attrs.get(name)?.ints;
    const float = (name: string, dflt: number): number => attrs.get(name)?.f ?? dflt;
    const constOf = (name: string | undefined, role: string): Constant => {
      const c = name === undefined ? undefined : constants.get(name);
      if (!c) return fail(`${label}: its ${role} must be a weight in the file (an initializer or Constant), not computed`);
      return c;
    };
    const computed = (name: string | undefined): string => {
      const v = name === undefined ? undefined : valueNode.get(name);
      if (v === undefined) return fail(`${label} reads ${name === undefined || name === '' ? 'nothing' : `"${name}"`}, which no earlier operator computes${name !== undefined && constants.has(name) ? ' (it is a weight, where a computed value is needed)' : ''}`);
      return v;
    };
    if (op === 'Constant') {
      const t = attrs.get('value')?.t;
      if (!t) fail(`${label}: only tensor-valued Constants are read`);
      constants.set(outs[0]!, readTensor(t!, fail));
      continue;
    }
    if (op === 'Identity' && constants.has(ins[0]!)) { constants.set(outs[0]!, constants.get(ins[0]!)!); continue; }
    const from = computed(ins[0]);
    const rank = rankOf.get(from) ?? null;
    /** Adds a Kiln node reading `inputs`; the operator's output is its value. */
    const emit = (spec: Omit<GraphNode, 'name' | 'inputs'>, inputs: string[] = [from], outRank: number | null = rank): void => {
      const name = nodeName(node.name, op, k, usedNames);
      kilnNodes.push({ name, inputs, ...spec });
      valueNode.set(outs[0]!, name);
      rankOf.set(name, outRank);
    };
    const param = (c: Constant, shape?: number[]): Tensor => tensor(c.values, { dtype: 'float32' }).reshape(shape ?? c.dims);
    switch (op) {
      case 'Gemm': {
        if (float('alpha', 1) !== 1 || float('beta', 1) !== 1 || int('transA', 0) !== 0) fail(`${label}: only Gemm with alpha = beta = 1 and transA = 0 (a linear layer) is read`);
        const w = constOf(ins[1], 'weight');
        if (w.dims.length !== 2) fail(`${label}: the weight must be 2-D, got [${w.dims.join(', ')}]`);
        const [out, inF] = int('transB', 0) ? [w.dims[0]!, w.dims[1]!] : [w.dims[1]!, w.dims[0]!];
        const linear = new Linear(inF, out, { bias: ins[2] !== undefined && ins[2] !== '' });
        setParam(linear.weight, int('transB', 0) ? param(w) : param(w).transpose(0, 1), `${label}: the weight`, fail);
        if (linear.bias) setParam(linear.bias, param(constOf(ins[2], 'bias')).reshape([out]), `${label}: the bias`, fail);
        emit({ module: linear }, [from], 2);
        break;
      }
      case 'MatMul': {
        const w = constOf(ins[1], 'weight');
        if (w.dims.length !== 2) fail(`${label}: the second operand must be a 2-D weight, got [${w.dims.join(', ')}]`);
        // x·W, plus b when the only reader is an Add of a constant: a Linear layer (W transposed).
        const at = nodes.findIndex((n, j) => j > k && n.op_type === 'Add' && n.input?.length === 2 && n.input.includes(outs[0]!) && n.input.some((i) => constants.has(i)));
        const bias = at >= 0 && readers.get(outs[0]!) === 1 ? constants.get(nodes[at]!.input!.find((i) => i !== outs[0])!) ?? null : null;
        const linear = new Linear(w.dims[0]!, w.dims[1]!, { bias: bias !== null });
        setParam(linear.weight, param(w).transpose(0, 1), `${label}: the weight`, fail);
        if (bias) {
          if (bias.values.length !== w.dims[1]) fail(`node ${at + 1} (Add): the bias has ${bias.values.length} values for ${w.dims[1]} outputs`);
          setParam(linear.bias!, param(bias, [w.dims[1]!]), `node ${at + 1} (Add): the bias`, fail);
          skip.add(at);
        }
        emit({ module: linear });
        if (bias) valueNode.set(nodes[at]!.output![0]!, kilnNodes.at(-1)!.name);
        break;
      }
      case 'Add': {
        if (constants.has(ins[1] ?? '')) fail(`${label}: an Add of a constant that does not follow a MatMul has no Kiln layer`);
        emit({ merge: 'add' }, [from, computed(ins[1])]);
        break;
      }
      case 'Concat': {
        const parts = ins.map((i) => computed(i));
        emit({ merge: 'concat', dim: int('axis', 1) }, parts);
        break;
      }
      case 'Conv': {
        const w = constOf(ins[1], 'weight');
        if (w.dims.length !== 4) fail(`${label}: only 2-D convolutions (a 4-D weight) are read, got [${w.dims.join(', ')}]`);
        const [F, Cg, KH, KW] = w.dims as [number, number, number, number];
        const group = int('group', 1), dilation = pairOf(ints('dilations'), 1, label, fail);
        const conv = new Conv2d(Cg * group, F, [KH, KW], {
          stride: pairOf(ints('strides'), 1, label, fail), dilation,
          padding: padding(attrs.get('auto_pad')?.s, ints('pads'), ints('strides'), label, fail, [dilation[0] * (KH - 1), dilation[1] * (KW - 1)]), groups: group,
          bias: ins[2] !== undefined && ins[2] !== '',
        });
        setParam(conv.weight, param(w), `${label}: the weight`, fail);
        if (conv.bias) setParam(conv.bias, param(constOf(ins[2], 'bias'), [F]), `${label}: the bias`, fail);
        emit({ module: conv }, [from], 4);
        break;
      }
      case 'Relu': emit({ module: new ReLU() }); break;
      case 'Sigmoid': emit({ module: new Sigmoid() }); break;
      case 'Tanh': emit({ module: new Tanh() }); break;
      case 'LeakyRelu': emit({ module: new LeakyReLU(float('alpha', 0.01)) }); break;
      case 'PRelu': {
        const slope = constOf(ins[1], 'slope');
        const p = new PReLU(slope.values.length);
        setParam(p.weight, param(slope, [slope.values.length]), `${label}: the slope`, fail);
        emit({ module: p });
        break;
      }
      case 'Softmax': case 'LogSoftmax': {
        const axis = int('axis', opset! >= 13 ? -1 : 1);
        if (opset! < 13 && !(rank !== null && (axis === rank - 1 || axis === -1))) fail(`${label}: before opset 13 softmax flattens from its axis; only the last axis is read`);
        emit({ module: op === 'Softmax' ? new Softmax(axis) : new LogSoftmax(axis) });
        break;
      }
      case 'MaxPool': case 'AveragePool': {
        const kernel = ints('kernel_shape');
        if (!kernel || kernel.length !== 2) fail(`${label}: only 2-D pooling is read`);
        if (int('ceil_mode', 0) !== 0) fail(`${label}: ceil_mode 1 (rounding the output size up) has no Kiln form; export with ceil_mode=False`);
        if ((ints('dilations') ?? [1, 1]).some((d) => d !== 1)) fail(`${label}: dilated pooling has no Kiln form`);
        if (outs.length > 1 && outs[1]) fail(`${label}: MaxPool's indices output has no Kiln form`);
        const pads = padding(attrs.get('auto_pad')?.s, ints('pads'), ints('strides') ?? kernel, label, fail);
        if (pads === 'same') return fail(`${label}: 'same' pooling has no Kiln form; give explicit pads`);
        if (op === 'AveragePool' && int('count_include_pad', 0) === 0 && (pads[0] > 0 || pads[1] > 0)) {
          fail(`${label}: average pooling that leaves the padding out of the count (count_include_pad = 0) has no Kiln form; Kiln's counts it, as PyTorch's default`);
        }
        const options = { stride: pairOf(ints('strides'), 1, label, fail), padding: pads };
        emit({ module: op === 'MaxPool' ? new MaxPool2d(kernel as [number, number], options) : new AvgPool2d(kernel as [number, number], options) });
        break;
      }
      case 'GlobalAveragePool': emit({ module: new AdaptiveAvgPool2d(1) }); break;
      case 'Flatten': {
        const axis = int('axis', 1);
        if (axis !== 1) fail(`${label}: only Flatten with axis 1 (keep the batch dimension) is read, got ${axis}`);
        emit({ module: new Flatten() }, [from], 2);
        break;
      }
      case 'Reshape': {
        // [N, everything else] from a constant shape: [0, −1], [−1, k] or [N, −1] with N the batch.
        const shape = constOf(ins[1], 'shape').values as number[];
        if (shape.length !== 2 || !(shape[1] === -1 || shape[0] === -1 || shape[0] === 0)) {
          fail(`${label}: only a Reshape that flattens each example (to [N, −1]) is read, got shape [${shape.join(', ')}]`);
        }
        emit({ module: new Flatten() }, [from], 2);
        break;
      }
      case 'Pad': {
        // torch.onnx.export writes AvgPool2d as a Pad of zeros before the pool; any other Pad has no Kiln layer.
        const pads = ins[1] ? (constOf(ins[1], 'pads').values as number[]) : (ints('pads') ?? []);
        const mode = attrs.get('mode')?.s ? new TextDecoder().decode(attrs.get('mode')!.s) : 'constant';
        if (mode !== 'constant' || pads.some((p) => p !== 0)) fail(`${label}: only a Pad of nothing is read (pad inside the convolution or pooling instead), got ${mode} [${pads.join(', ')}]`);
        valueNode.set(outs[0]!, from);
        break;
      }
      case 'BatchNormalization': {
        if (outs.length > 1 && outs.slice(1).some((o) => o)) fail(`${label}: training-mode BatchNormalization (running statistics as outputs) is not read; export in eval mode`);
        const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i, j) => constOf(ins[i], ['scale', 'bias', 'mean', 'variance'][j]!));
        const n = mean!.values.length;
        const options = { eps: float('epsilon', 1e-5), momentum: 1 - float('momentum', 0.9) };
        const bn = rank === 2 ? new BatchNorm1d(n, options) : new BatchNorm2d(n, options);
        setParam(bn.weight!, param(scale!, [n]), `${label}: the scale`, fail);
        setParam(bn.bias!, param(bias!, [n]), `${label}: the bias`, fail);
        setParam(bn.runningMean, param(mean!, [n]), `${label}: the mean`, fail);
        setParam(bn.runningVar, param(variance!, [n]), `${label}: the variance`, fail);
        emit({ module: bn });
        break;
      }
      case 'Dropout': {
        const ratio = ins[1] ? (constOf(ins[1], 'ratio').values[0] ?? 0.5) : float('ratio', 0.5);
        emit({ module: new Dropout(ratio) });
        break;
      }
      case 'Identity': emit({ module: new Identity() }); break;
      default: return fail(`${label}: not read`);
    }
  }
  const output = valueNode.get(graph.output![0]!.name ?? '');
  if (output === undefined) fail(`the graph's output "${graph.output![0]!.name}" is not computed by any operator`);
  const model = simplest(kilnNodes, output!);
  if (inputShape) {
    model.outputShape([1, ...inputShape]); // the layers fit the file's input shape (their ShapeError otherwise)
    if (model instanceof Sequential) model.inputShape = inputShape;
  }
  return { model, inputShape };
}

/** A Sequential when the nodes form one chain from the input to the output; a Graph otherwise. */
function simplest(nodes: GraphNode[], output: string): Module {
  const chain = nodes.every((n, i) => n.module && n.inputs.length === 1 && n.inputs[0] === (i === 0 ? 'input' : nodes[i - 1]!.name));
  if (chain && output === (nodes.at(-1)?.name ?? 'input')) return new Sequential(...nodes.map((n) => n.module!));
  return new Graph({ nodes, output });
}

/** A Kiln node name from the file's node name: letters, digits and _ ('/block1/conv1/Conv' → 'block1_conv1_Conv'), unique. */
function nodeName(onnxName: string | undefined, op: string, k: number, used: Set<string>): string {
  let name = (onnxName ?? '').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!name || used.has(name)) name = `${op.toLowerCase()}_${k + 1}`;
  while (used.has(name)) name += '_';
  used.add(name);
  return name;
}

/** A TensorProto's values, its size checked against the bytes that hold them. */
function readTensor(t: TensorProto, fail: (why: string) => never): Constant {
  const name = t.name ? `tensor "${t.name}"` : 'a tensor';
  if (t.data_location === 1) fail(`${name} is stored outside the file (external data); save the model as one file`);
  const dims = (t.dims ?? []).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) fail(`${name} has dims [${dims.join(', ')}]`);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.raw_data && t.raw_data.length ? copyOf(t.raw_data) : null;
  if (n > MAX_ELEMENTS) fail(`${name} has shape [${dims.join(', ')}] (${n} values), more than a tensor can hold, with ${raw ? `${raw.length} bytes` : 'no bytes'} of data`);
  const type = t.data_type ?? 0;
  const count = (have: number, per: number): void => { if (have !== n * per) fail(`${name} has shape [${dims.join(', ')}] (${n} values) but ${raw ? `${have} bytes` : `${have / per} values`} of data (truncated?)`); };
  switch (type) {
    case ONNX_DTYPE.FLOAT: {
      if (raw) { count(raw.length, 4); return { dims, values: new Float32Array(raw.buffer) }; }
      count(t.float_data?.length ?? 0, 1);
      return { dims, values: Float32Array.from(t.float_data ?? []) };
    }
    case ONNX_DTYPE.DOUBLE: {
      if (raw) { count(raw.length, 8); return { dims, values: Float32Array.from(new Float64Array(raw.buffer)) }; }
      count(t.double_data?.length ?? 0, 1);
      return { dims, values: Float32Array.from(t.double_data ?? []) };
    }
    case ONNX_DTYPE.INT64: {
      if (raw) { count(raw.length, 8); return { dims, values: Array.from(new BigInt64Array(raw.buffer), Number) }; }
      count(t.int64_data?.length ?? 0, 1);
      return { dims, values: (t.int64_data ?? []).map(Number) };
    }
    case ONNX_DTYPE.INT32: {
      if (raw) { count(raw.length, 4); return { dims, values: Array.from(new Int32Array(raw.buffer)) }; }
      count(t.int32_data?.length ?? 0, 1);
      return { dims, values: (t.int32_data ?? []).map(Number) };
    }
    default: return fail(`${name} has ONNX data type ${type}; Kiln reads float, double, int32 and int64 tensors`);
  }
}

/** The bytes in a buffer of their own, aligned for a typed array (the decoder hands out views into the file, at any offset). */
function copyOf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** A 2-D attribute (strides, dilations) as a pair; absent: `dflt`. */
function pairOf(v: number[] | undefined, dflt: number, label: string, fail: (why: string) => never): [number, number] {
  if (!v) return [dflt, dflt];
  if (v.length !== 2) fail(`${label}: expected 2 values for a 2-D window, got [${v.join(', ')}]`);
  return [v[0]!, v[1]!];
}

/**
 * ONNX pads [top, left, bottom, right] (or auto_pad) as Kiln's padding: symmetric, or 'same' (stride
 * 1). `reach`: how far a convolution's window reaches beyond its first pixel, d·(k − 1), per axis;
 * uneven pads are 'same' only when they are exactly Kiln's split of it (the extra pixel at the
 * bottom/right), and never without it.
 */
function padding(autoPad: Uint8Array | undefined, pads: number[] | undefined, strides: number[] | undefined, label: string, fail: (why: string) => never, reach?: [number, number]): [number, number] | 'same' {
  const auto = autoPad ? new TextDecoder().decode(autoPad) : 'NOTSET';
  if (auto === 'VALID') return [0, 0];
  if (auto === 'SAME_UPPER') {
    if ((strides ?? [1, 1]).some((s) => s !== 1)) fail(`${label}: auto_pad SAME_UPPER with a stride > 1 has no Kiln form`);
    return 'same';
  }
  if (auto !== 'NOTSET') fail(`${label}: auto_pad ${auto} has no Kiln form`);
  if (!pads) return [0, 0];
  if (pads.length !== 4) fail(`${label}: expected 4 pads for a 2-D window, got [${pads.join(', ')}]`);
  const [t, l, b, r] = pads as [number, number, number, number];
  if (t === b && l === r) return [t, l];
  // One more at the bottom/right than the top/left, together the window's reach: Kiln's (and PyTorch's) 'same' for an even kernel.
  const isSame = (lo: number, hi: number, total: number): boolean => lo + hi === total && lo === Math.floor(total / 2);
  if (reach && (strides ?? [1, 1]).every((s) => s === 1) && isSame(t, b, reach[0]) && isSame(l, r, reach[1])) return 'same';
  return fail(`${label}: uneven padding [${pads.join(', ')}] has no Kiln form`);
}

/** Copies a value read from the file into a layer's parameter or buffer, checking the shape. */
function setParam(dst: Tensor, src: Tensor, what: string, fail: (why: string) => never): void {
  if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) fail(`${what} has shape [${src.shape.join(', ')}] where the layer needs [${dst.shape.join(', ')}]`);
  noGrad(() => copyStorage(src.storage, dst.storage));
}
