import { needsGrad, record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import { denseBackward, denseForward } from '../backend/js/dense.js';
import type { DenseActivationGrad } from '../backend/js/dense.js';
import { SMALL_WORK } from '../backend/js/matmul.js';
import { ValueError } from '../errors.js';
import { allocIndexStorage, allocOutput, allocStorage, host } from '../tensor/storage.js';
import type { HostStorage } from '../tensor/storage.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../validate.js';
import { relu, sigmoid, tanh } from './activation.js';
import { CONV2D_OPTIONS, conv2dGradients, conv2dOperands } from './conv.js';
import { binaryRaw } from './elementwise.js';
import { biasAddsInPlace, checkLinear, linear, linearBackward, linearProduct } from './matmul.js';
import type { Conv2dOptions } from './conv.js';
import type { Pair } from './window.js';
import { window2d } from './window.js';

// Fused ops: one kernel for what is otherwise a chain of ops, each held to its plain composition
// (its js kernel is that composition; ops/fused.test.ts compares values and gradients). Layers
// never ask for them: the fusion pass (nn/fuse.ts) rewrites a model's execution to use them.

export interface Conv2dReluMaxPoolOptions extends Conv2dOptions {
  /** The max pooling after the ReLU: its window and stride (default: the window). No padding. */
  pool: { kernelSize: Pair; stride?: Pair };
}

/**
 * maxPool2d(relu(conv2d(x, weight, bias, options)), pool.kernelSize, { stride: pool.stride }) as one
 * op: each example's conv output is pooled while still in cache, and neither the full-size conv
 * output nor its ReLU exists as a tensor. x: [N, C, H, W], weight: [F, C, KH, KW] → [N, F, POH, POW].
 * Backward: dy goes to each window's max where the pooled output is > 0, then as conv2d's.
 * @example nn.functional.conv2dReluMaxPool(x, w, b, { padding: 2, pool: { kernelSize: 2 } })
 */
export function conv2dReluMaxPool(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dReluMaxPoolOptions): Tensor {
  checkOptions('conv2dReluMaxPool', options, [...CONV2D_OPTIONS, 'pool']);
  if ((options.groups ?? 1) !== 1) throw new ValueError('conv2dReluMaxPool: grouped convolutions are not fused; use conv2d, relu and maxPool2d');
  if (!options.pool) throw new ValueError('conv2dReluMaxPool: options.pool { kernelSize, stride? } is required');
  checkOptions('conv2dReluMaxPool pool', options.pool, ['kernelSize', 'stride']);
  const { g, F, xd, wd, bd } = conv2dOperands('conv2dReluMaxPool', x, weight, bias, options);
  const { kernelSize, stride } = options.pool;
  const pg = window2d('conv2dReluMaxPool pool', [g.N, F, g.OH, g.OW], kernelSize, { stride: stride ?? kernelSize, padding: 0 });
  const n = g.N * F * pg.OH * pg.OW;
  const out = allocOutput(xd.dtype, n);
  const inputs = bd ? [xd, wd, bd] : [xd, wd];
  // Where each max came from, only for a backward pass (inference skips it).
  const argmax = needsGrad(inputs) ? allocIndexStorage(n) : null;
  backend().conv2dReluMaxPool(xd.storage, wd.storage, bd?.storage ?? null, out, argmax, F, g, pg);
  const y = new Tensor(out, [g.N, F, pg.OH, pg.OW]);
  return record(y, 'conv2dReluMaxPool', inputs, (dy) => {
    const [dx, dw, db] = conv2dGradients(xd, wd, bd);
    backend().conv2dReluMaxPoolBackward(dy.storage, out, argmax!, xd.storage, wd.storage, dx?.storage ?? null, dw?.storage ?? null, db?.storage ?? null, F, g);
    return [dx, dw, db];
  });
}

/** The activations linearActivation applies: each one's derivative is a function of its output. */
export type LinearActivation = 'sigmoid' | 'tanh' | 'relu';
/** Each activation's op (the plain composition's), its backward kernel from the output, and the fused node's name. */
const LINEAR_ACTIVATIONS: Record<LinearActivation, { apply: (x: Tensor) => Tensor; grad: 'sigmoidGrad' | 'tanhGrad' | 'reluGrad'; node: string }> = {
  sigmoid: { apply: sigmoid, grad: 'sigmoidGrad', node: 'linearSigmoid' },
  tanh: { apply: tanh, grad: 'tanhGrad', node: 'linearTanh' },
  relu: { apply: relu, grad: 'reluGrad', node: 'linearRelu' },
};

/**
 * activation(linear(x, weight, bias)) as one op: the activation is applied in place to the
 * product's fresh output, so a dense layer and its activation make one tensor and one graph node
 * instead of two of each (what a network trained one example at a time spends its time on).
 * Backward: dz = dy · g'(z), computed from the output (σ(1 − σ), 1 − tanh², or y > 0), then
 * linear's. On a GPU, where an op cannot write its own input, it is the plain composition.
 * x: [m, in], weight: [out, in], bias: [out] → [m, out].
 * @example nn.functional.linearActivation(x, w, b, 'sigmoid')   // = sigmoid(linear(x, w, b))
 */
export function linearActivation(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, activation: LinearActivation): Tensor {
  // Own keys only: 'constructor' or 'toString' must be refused, not found on Object.prototype.
  const act = Object.hasOwn(LINEAR_ACTIVATIONS, activation) ? LINEAR_ACTIVATIONS[activation] : undefined;
  if (!act) throw new ValueError(`linearActivation: activation must be one of ${Object.keys(LINEAR_ACTIVATIONS).join(', ')}, got ${JSON.stringify(activation)}`);
  checkLinear(x, weight, bias);
  // A small layer runs as a stack of one (see denseStack): the js kernels' arithmetic run
  // directly, without a kernel call, a shape check and a tensor for each of the product, the
  // bias, the activation and dy·g′. Per-sample training spends most of a step on such calls.
  const layer: DenseLayer = { weight, bias: bias ?? null, activation };
  if (runsAsOnePass(x, [layer])) return denseOnePass(x, [layer], act.node);
  if (x.ndim !== 2 || backend().onDevice || (bias && !biasAddsInPlace(x, weight, bias))) return act.apply(linear(x, weight, bias));
  const y = linearProduct(x, weight, bias ?? null);
  backend().unary(activation, y.storage, y.storage);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  if (!needsGrad(inputs)) return y;
  const linearGrads = linearBackward(x, weight, bias ?? null);
  return record(y, act.node, inputs, (dy) => linearGrads(binaryRaw(act.grad, dy, y, dy.dtype)));
}

/** A dense layer of denseStack: weight [out, in], bias [out] (or none), and its activation. */
export interface DenseLayer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly activation: LinearActivation;
}

/**
 * Dense layers applied in turn, each `linearActivation(h, weight, bias, activation)`, as one op
 * when every layer is small (at most SMALL_WORK multiply-adds, the size up to which the js matmul
 * kernel takes its direct loop), on a
 * CPU backend, in one dtype: one graph node and one output tensor for the whole stack, its hidden
 * activations kept as plain arrays for the backward pass, which runs the layers' gradients back
 * to front in one call. Otherwise it is the composition itself. Same values and gradients as the
 * layers one by one, bit for bit (ops/fused.test.ts). x: [m, in] → [m, out of the last layer].
 * @example nn.functional.denseStack(x, [{ weight: w1, bias: b1, activation: 'sigmoid' }, { weight: w2, bias: b2, activation: 'sigmoid' }])
 */
export function denseStack(x: Tensor, layers: readonly DenseLayer[]): Tensor {
  if (runsAsOnePass(x, layers)) return denseOnePass(x, layers, 'denseStack');
  let h = x;
  for (const { weight, bias, activation } of layers) h = linearActivation(h, weight, bias, activation);
  return h;
}

/** denseStack's one pass (runsAsOnePass holds), recorded as one graph node named `node`. */
function denseOnePass(x: Tensor, layers: readonly DenseLayer[], node: string): Tensor {
  // Indexed loops, each layer's getters read once, and arrays made at their final length (one
  // grown by push gets a backing store of 17): this runs every step of per-sample training.
  const L = layers.length, m = x.shape[0]!;
  let count = 1 + L;
  for (let l = 0; l < L; l++) if (layers[l]!.bias) count++;
  // The op's inputs: x, then each layer's weight and bias; at[l] is where layer l's weight is.
  const inputs = new Array<Tensor>(count);
  const at = new Array<number>(L);
  // outputs[l]: layer l's activations [m, out_l]; the last is the op's output.
  const outputs = new Array<HostStorage>(L);
  inputs[0] = x;
  let input = x.values, k = x.shape[1]!, next = 1;
  for (let l = 0; l < L; l++) {
    const layer = layers[l]!;
    const weight = layer.weight, bias = layer.bias;
    const n = weight.shape[0]!;
    const out = host(allocOutput(x.dtype, m * n));
    denseForward(input, weight.values, bias ? bias.values : null, out, m, k, n, layer.activation);
    outputs[l] = out;
    at[l] = next;
    inputs[next++] = weight;
    if (bias) inputs[next++] = bias;
    input = out;
    k = n;
  }
  const y = new Tensor(input, [m, k]);
  if (!needsGrad(inputs)) return y;
  return record(y, node, inputs, (dy) => {
    const grads = inputs.map(noGradient);
    // A gradient of another dtype (passed to backward by hand) takes the layers' own backward.
    if (dy.dtype !== y.dtype) return stackBackwardByLayers(dy, x, layers, outputs, at, grads);
    let g = dy.values;
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l]!;
      const weight = layer.weight, bias = layer.bias;
      const n = weight.shape[0]!, kl = weight.shape[1]!;
      // The gradient of this layer's input, where anything below it needs one.
      const dIn = inputNeedsGrad(x, layers, l) ? allocOutput(y.dtype, m * kl) : null;
      const dz = host(allocOutput(y.dtype, m * n));
      const dw = weight.requiresGrad ? allocOutput(y.dtype, n * kl) : null;
      // One example's bias gradient is dz itself (a view, as linear's); more are summed into zeros.
      const db = bias?.requiresGrad && m > 1 ? allocStorage(y.dtype, n) : null;
      const layerInput = l === 0 ? x.values : outputs[l - 1]!;
      denseBackward(g, outputs[l]!, layerInput, weight.values, dz, dIn && host(dIn), dw && host(dw), db && host(db), m, kl, n, activationGrad(layer.activation));
      if (dw) grads[at[l]!] = new Tensor(dw, weight.shape);
      if (bias?.requiresGrad) grads[at[l]! + 1] = new Tensor(db ?? dz, bias.shape);
      if (!dIn) break;
      if (l === 0) grads[0] = new Tensor(dIn, x.shape);
      g = host(dIn);
    }
    return grads;
  });
}

/** No gradient (yet), for an op's array of input gradients (map gives a packed array of its length). */
const noGradient = (): Tensor | null => null;

/** Whether denseStack runs `layers` on x as one pass (see there); anything else, a wrong shape included, is the composition's. */
function runsAsOnePass(x: Tensor, layers: readonly DenseLayer[]): boolean {
  return x.shape.length === 2 && denseStackIsSmall(x.shape[0]!, x.shape[1]!, x.dtype, layers);
}

/**
 * Whether `layers` on an input [m, k] of `dtype` run as denseStack's one pass: a CPU backend, each
 * layer's shapes chaining, one dtype, a known activation, and at most SMALL_WORK multiply-adds.
 */
export function denseStackIsSmall(m: number, k: number, dtype: DType, layers: readonly DenseLayer[]): boolean {
  if (layers.length === 0 || backend().onDevice) return false;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const weight = layer.weight, bias = layer.bias, w = weight.shape;
    if (w.length !== 2 || w[1] !== k || weight.dtype !== dtype || !Object.hasOwn(LINEAR_ACTIVATIONS, layer.activation)) return false;
    const n = w[0]!;
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== n || bias.dtype !== dtype)) return false;
    if (m * k * n > SMALL_WORK) return false;
    k = n;
  }
  return true;
}

/** Whether the input of layer l needs a gradient: x does, or a parameter of a layer before l. */
function inputNeedsGrad(x: Tensor, layers: readonly DenseLayer[], l: number): boolean {
  return x.requiresGrad || paramsBelowNeedGrad(layers, l);
}

/** Whether a parameter of a layer before l needs a gradient (so the input of layer l does, for data that needs none). */
export function paramsBelowNeedGrad(layers: readonly DenseLayer[], l: number): boolean {
  for (let i = 0; i < l; i++) if (layers[i]!.weight.requiresGrad || layers[i]!.bias?.requiresGrad) return true;
  return false;
}

/** The binary op that computes dy·g′(y) for a dense layer's activation (denseBackward's `grad`). */
export function activationGrad(activation: LinearActivation): DenseActivationGrad {
  return LINEAR_ACTIVATIONS[activation].grad;
}

/** denseStack's backward through each layer's own (linearActivation's kernels path), for a gradient of another dtype. */
function stackBackwardByLayers(dy: Tensor, x: Tensor, layers: readonly DenseLayer[], outputs: readonly HostStorage[], at: readonly number[], grads: (Tensor | null)[]): (Tensor | null)[] {
  const m = x.shape[0]!;
  let g: Tensor | null = dy;
  for (let l = layers.length - 1; l >= 0 && g; l--) {
    const { weight, bias, activation } = layers[l]!;
    const y = new Tensor(outputs[l]!, [m, weight.shape[0]!]);
    let input = x;
    if (l > 0) {
      input = new Tensor(outputs[l - 1]!, [m, weight.shape[1]!]);
      input.requiresGrad = inputNeedsGrad(x, layers, l);
    }
    const [dIn, dw, db] = linearBackward(input, weight, bias)(binaryRaw(activationGrad(activation), g, y, g.dtype));
    grads[at[l]!] = dw ?? null;
    if (bias) grads[at[l]! + 1] = db ?? null;
    if (l === 0) grads[0] = dIn ?? null;
    g = dIn ?? null;
  }
  return grads;
}
