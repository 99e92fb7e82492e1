import { conv2dReluMaxPool, denseStack, linearActivation } from '../ops/fused.js';
import type { DenseLayer, LinearActivation } from '../ops/fused.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../validate.js';
import { ReLU, Sigmoid, Tanh } from './layers/activations.js';
import { Linear } from './layers/linear.js';
import { Conv2d } from './layers/conv2d.js';
import { MaxPool2d } from './layers/pool.js';
import { Sequential } from './layers/sequential.js';
import type { Module } from './module.js';

// The fusion pass: it plans how each Sequential of a model runs, replacing a run of layers that a
// fused op (ops/fused.ts) computes in one kernel with that op. The layers, their parameters, their
// names and the saved model are untouched; only the execution changes, with the same values and
// gradients (nn/fuse.test.ts). Layers and ops never know about it.
//
// Each rule is kept because it pays (node bench/fusion.mjs, paired rounds, 2 cores, wasm):
// Conv2d → ReLU → MaxPool2d trains LeNet-5 1.07–1.4× and infers it 1.2–1.6× as fast as the three
// ops on resident storage. Linear → activation (one tensor and one graph node instead of two of
// each, and for a small layer the kernels' arithmetic in one pass) is for networks trained one
// example at a time, where per-op overhead is the cost: the beans demo runs 1.26× as fast; at
// batch 64 (the MLP) it neither gains nor loses (±3%). Two or more such pairs in a row are one
// denseStack, one graph node for the whole stack when its layers are small: the beans network's
// forward and backward 1.07× as fast again, fit on it 1.03–1.05× (paired rounds, both import orders).

/** A step of a plan: what Sequential.forward runs in place of one or more layers. */
interface Step { forward(x: Tensor): Tensor }

/** A rule: the fused step for the layers starting at `i`, and how many it covers; null if it does not apply. */
type Rule = (layers: readonly Module[], i: number) => [Step, number] | null;

/** Conv2d (ungrouped) → ReLU → MaxPool2d (no padding) as conv2dReluMaxPool. */
const convReluMaxPool: Rule = (layers, i) => {
  const [conv, relu, pool] = [layers[i], layers[i + 1], layers[i + 2]];
  if (!(conv instanceof Conv2d) || conv.groups !== 1 || !(relu instanceof ReLU) || !(pool instanceof MaxPool2d)) return null;
  if (pool.padding[0] !== 0 || pool.padding[1] !== 0) return null;
  const step: Step = {
    forward: (x) => {
      conv.checkInput(x);
      return conv2dReluMaxPool(x, conv.weight, conv.bias, { ...conv.convOptions(), pool: { kernelSize: pool.kernelSize, stride: pool.stride } });
    },
  };
  return [step, 3];
};

/** The fused activation for an activation layer, or null for one linearActivation does not apply. */
function activationOf(layer: Module | undefined): LinearActivation | null {
  return layer instanceof Sigmoid ? 'sigmoid' : layer instanceof Tanh ? 'tanh' : layer instanceof ReLU ? 'relu' : null;
}

/**
 * A Linear layer and its activation as denseStack takes them. Its weight and bias are read at each
 * call (parameters can be reassigned), through a class's getters: one shape for every layer, so
 * the op's reads of them stay monomorphic.
 */
class LinearWithActivation implements DenseLayer {
  constructor(private readonly linear: Linear, readonly activation: LinearActivation) {}
  get weight(): Tensor { return this.linear.weight; }
  get bias(): Tensor | null { return this.linear.bias; }
}

/**
 * Two or more Linear → Sigmoid, Tanh or ReLU in a row as denseStack (one op for the stack when its
 * layers are small); one as linearActivation.
 */
const linearThenActivation: Rule = (layers, i) => {
  const stack: LinearWithActivation[] = [];
  for (let j = i; ; j += 2) {
    const lin = layers[j], activation = activationOf(layers[j + 1]);
    if (!(lin instanceof Linear) || !activation) break;
    stack.push(new LinearWithActivation(lin, activation));
  }
  if (stack.length === 0) return null;
  return [new DenseStackStep(stack), 2 * stack.length];
};

/** The step of a run of Linear → activation pairs: denseStack for two or more, linearActivation for one. */
class DenseStackStep implements Step {
  constructor(readonly layers: readonly LinearWithActivation[]) {}

  forward(x: Tensor): Tensor {
    if (this.layers.length > 1) return denseStack(x, this.layers);
    const only = this.layers[0]!;
    return linearActivation(x, only.weight, only.bias, only.activation);
  }
}

const RULES: readonly Rule[] = [convReluMaxPool, linearThenActivation];

/** The steps that run `layers`: each run a rule matches as one fused step, every other layer as itself. */
function plan(layers: readonly Module[]): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < layers.length;) {
    let matched: [Step, number] | null = null;
    for (const rule of RULES) if ((matched = rule(layers, i))) break;
    if (matched) {
      steps.push(matched[0]);
      i += matched[1];
    } else {
      steps.push(layers[i++]!);
    }
  }
  return steps;
}

/**
 * Runs `model`'s layers through fused ops where one computes several in one pass (Conv2d → ReLU →
 * MaxPool2d; Linear → Sigmoid, Tanh or ReLU): same values and gradients, less time and memory.
 * `fit`, `evaluate` and `predict` apply it unless told `fuse: false`; `{ enabled: false }` turns
 * it off again. Returns the model. Adding a layer to a Sequential afterwards clears its plan (call
 * fuse again).
 * @example nn.fuse(model);   // a LeNet-5 now trains faster, with the same gradients
 */
export function fuse<M extends Module>(model: M, options: { enabled?: boolean } = {}): M {
  checkOptions('fuse', options, ['enabled']);
  const enabled = options.enabled ?? true;
  for (const m of model.modules()) {
    if (m instanceof Sequential) m.plan = enabled ? plan(m.layers) : null;
  }
  return model;
}

/**
 * The layers of `model` when it is a Sequential (not a subclass, whose forward may differ) whose
 * fusion plan is one run of Linear → activation pairs and nothing else: fit then trains it with
 * its dense step (train/dense-step.ts). Null for any other model, or one not fused.
 */
export function denseStackOf(model: Module): readonly DenseLayer[] | null {
  if (!(model instanceof Sequential) || Object.getPrototypeOf(model) !== Sequential.prototype) return null;
  const plan = model.plan;
  return plan?.length === 1 && plan[0] instanceof DenseStackStep ? plan[0].layers : null;
}

/** Whether `model` runs any fused step (for summaries and tests). */
export function isFused(model: Module): boolean {
  for (const m of model.modules()) {
    if (m instanceof Sequential && m.plan && m.plan.some((s, i) => s !== m.layers[i])) return true;
  }
  return false;
}
