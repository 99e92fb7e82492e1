import { denseBackward, denseForward } from '../backend/js/dense.js';
import { backend } from '../backend/registry.js';
import { mseBackward, mseForward } from '../nn/losses.js';
import { denseStackOf } from '../nn/fuse.js';
import type { Module } from '../nn/module.js';
import { activationGrad, denseStackIsSmall, paramsBelowNeedGrad } from '../ops/fused.js';
import type { DenseLayer } from '../ops/fused.js';
import { newTypedArray } from '../tensor/dtype.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { isHost } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';
import type { BatchRange } from './data-loader.js';
import type { TensorDataset } from './dataset.js';
import { binaryCorrect } from './metrics.js';
import type { MetricName } from './metrics.js';

// fit's training step for the networks a learner starts with (the beans network, the playground's
// small ones), often trained one example at a time: a model that the fusion pass runs as one small
// denseStack, the mean squared error, on the CPU. There a step's arithmetic is a few dozen
// multiply-adds, and the general step (a batch cut as tensors, the op's graph node, the loss's,
// backward's search and release bookkeeping, the tensors of each gradient) costs many times that.
// This step does the same arithmetic with the same functions — denseForward and denseBackward
// (the one-pass kernels of denseStack), mseForward and mseBackward (mseLoss's), accumulateGrad
// and the optimiser's own step — on arrays made once per batch size, so training gives the same
// weights, losses and metrics bit for bit (train/dense-step.test.ts). fit takes it unless told
// `fuse: false`, and falls back to the general step for any batch it does not apply to.

/** The arrays of a step on batches of m examples (dims[l] → dims[l + 1]: layer l's input and output widths). */
interface Scratch {
  m: number;
  dims: number[];
  /** The batch: x [m, dims[0]] and y [m, dims[L]]. */
  x: TypedArray;
  y: TypedArray;
  /** Each layer's activations [m, dims[l + 1]]; the last is the model's output. */
  out: TypedArray[];
  /** The loss (one element) and its gradient for the output [m, dims[L]]. */
  loss: TypedArray;
  dOut: TypedArray;
  /** Each layer's dz = dy·g′ [m, dims[l + 1]], and the gradient of its input [m, dims[l]] (none for layer 0). */
  dz: TypedArray[];
  dIn: (TypedArray | null)[];
  /** Each layer's weight and bias gradients, as tensors for accumulateGrad (one example's bias gradient is dz itself). */
  dw: Tensor[];
  db: Tensor[];
}

/** fit's step for one small dense stack trained with mseLoss on the CPU (see above): `of`, then per batch `runs`, `forward`, `backward`. */
export class DenseStep {
  private scratch: Scratch | null = null;

  private constructor(
    private readonly model: Module,
    private readonly layers: readonly DenseLayer[],
    private readonly data: { x: TypedArray; y: TypedArray; features: number; targets: number; dtype: DType },
    private readonly metrics: readonly MetricName[],
  ) {}

  /**
   * The dense step for fit's model, data and options, or null where fit takes the general step:
   * a model other than one small dense stack, another loss (or a function), a penalty (l1, l2),
   * a GPU, data that are not [N, features] and [N, outputs] of one dtype, or a metric needing class
   * labels for several outputs.
   */
  static of(model: Module, data: TensorDataset, loss: unknown, metrics: readonly MetricName[], penalties: number): DenseStep | null {
    if (loss !== 'mseLoss' || penalties !== 0 || backend().onDevice) return null;
    const layers = denseStackOf(model);
    const { x, y } = data;
    if (!layers || x.ndim !== 2 || y.ndim !== 2 || x.dtype !== y.dtype || x.dtype === 'int32') return null;
    const xs = x.storage, ys = y.storage;
    if (!isHost(xs) || !isHost(ys)) return null;
    const targets = y.shape[1]!;
    if (targets > 1 && metrics.includes('accuracy')) return null; // the general step's error for labels it cannot read
    return new DenseStep(model, layers, { x: xs, y: ys, features: x.shape[1]!, targets, dtype: x.dtype }, metrics);
  }

  /**
   * Whether this step trains a batch of m examples now: the model is still planned as these layers
   * (a callback may have added a layer, or turned fusion off), and they (read afresh: a callback
   * may have replaced a parameter) still run as one small pass on it, to outputs as wide as the targets.
   */
  runs(m: number): boolean {
    const { layers, data } = this;
    return denseStackOf(this.model) === layers && denseStackIsSmall(m, data.features, data.dtype, layers) && layers[layers.length - 1]!.weight.shape[0] === data.targets;
  }

  /**
   * The forward pass and the loss of the batch `range` (runs() holds for its size): returns the
   * loss, and writes each metric's correct count into `correct`.
   */
  forward(range: BatchRange, correct: (number | Tensor)[]): number {
    const { layers, data } = this;
    const m = range.end - range.start;
    const s = this.scratchFor(m);
    gatherRows(data.x, data.features, range, s.x);
    gatherRows(data.y, data.targets, range, s.y);
    let input = s.x;
    for (let l = 0; l < layers.length; l++) {
      const { weight, bias, activation } = layers[l]!;
      denseForward(input, weight.values, bias ? bias.values : null, s.out[l]!, m, s.dims[l]!, s.dims[l + 1]!, activation);
      input = s.out[l]!;
    }
    mseForward(input, s.y, input.length, s.loss);
    for (let i = 0; i < this.metrics.length; i++) correct[i] = binaryCorrect(input, s.y, m, false); // probabilities: mseLoss takes no logits
    return s.loss[0]!;
  }

  /** The backward pass of the last forward: each parameter's gradient added into its `.grad`, as backward() does. */
  backward(): void {
    const { layers } = this;
    const s = this.scratch!;
    const L = layers.length, out = s.out[L - 1]!;
    // The loss's implied gradient (backward() of a scalar) is 1.
    mseBackward(1, out, s.y, out.length, s.dOut);
    let g = s.dOut;
    for (let l = L - 1; l >= 0; l--) {
      const { weight, bias, activation } = layers[l]!;
      const dIn = l > 0 && paramsBelowNeedGrad(layers, l) ? s.dIn[l]! : null;
      const dw = weight.requiresGrad ? s.dw[l]! : null;
      const db = bias?.requiresGrad && s.m > 1 ? s.db[l]! : null;
      if (db) db.values.fill(0);
      denseBackward(g, s.out[l]!, l === 0 ? s.x : s.out[l - 1]!, weight.values, s.dz[l]!, dIn, dw && dw.values, db && db.values, s.m, s.dims[l]!, s.dims[l + 1]!, activationGrad(activation));
      if (dw) weight.accumulateGrad(dw);
      if (bias?.requiresGrad) bias.accumulateGrad(s.db[l]!);
      if (!dIn) break;
      g = dIn;
    }
  }

  /** The arrays for batches of m examples, made again when the batch size or a layer's width changed. */
  private scratchFor(m: number): Scratch {
    const { layers, data } = this;
    const s = this.scratch;
    if (s && s.m === m && sameDims(s.dims, layers)) return s;
    const dims = [data.features, ...layers.map((layer) => layer.weight.shape[0]!)];
    const L = layers.length, dtype = data.dtype;
    const array = (n: number): TypedArray => newTypedArray(dtype, n, 'a training step\'s scratch');
    const dz = layers.map((_, l) => array(m * dims[l + 1]!));
    const made: Scratch = {
      m, dims,
      x: array(m * dims[0]!), y: array(m * dims[L]!),
      out: layers.map((_, l) => array(m * dims[l + 1]!)),
      loss: array(1), dOut: array(m * dims[L]!),
      dz,
      dIn: layers.map((_, l) => (l > 0 ? array(m * dims[l]!) : null)),
      dw: layers.map((_, l) => new Tensor(array(dims[l + 1]! * dims[l]!), [dims[l + 1]!, dims[l]!])),
      db: layers.map((_, l) => new Tensor(m > 1 ? array(dims[l + 1]!) : dz[l]!, [dims[l + 1]!])),
    };
    this.scratch = made;
    return made;
  }
}

/** Whether the layers' widths are still dims (their inputs chain: denseStackIsSmall checked that). */
function sameDims(dims: readonly number[], layers: readonly DenseLayer[]): boolean {
  for (let l = 0; l < layers.length; l++) if (layers[l]!.weight.shape[0] !== dims[l + 1]) return false;
  return true;
}

/** The rows of `range` of a [N, width] array, in order, into `into` [m, width]. */
function gatherRows(src: TypedArray, width: number, { order, start, end }: BatchRange, into: TypedArray): void {
  for (let i = start; i < end; i++) {
    const row = order ? order[i]! : i;
    const from = row * width, to = (i - start) * width;
    for (let j = 0; j < width; j++) into[to + j] = src[from + j]!;
  }
}
