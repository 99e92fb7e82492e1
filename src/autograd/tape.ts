import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { releaseStorage } from '../tensor/storage.js';
import { releasingBackward } from './release.js';

/**
 * A node of the autograd graph: the op that made a tensor, its inputs, and how to turn the
 * gradient of its output into gradients of its inputs (null where an input needs none).
 */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  backward(grad: Tensor): readonly (Tensor | null)[];
}

let gradEnabled = true;
/** Counts backward passes, to mark the tensors each one has visited. */
let backwardPasses = 0;
/**
 * runBackward's depth-first search: the path from the root, and the next input to visit at each
 * step. Kept between passes, written by index and never shortened (two fresh arrays, or ones
 * emptied by setting their length, grow a new backing store every step, which per-sample training
 * pays for); the path is cleared as it unwinds, so no tensor is kept alive by it, and a backward
 * pass started by an op's backward function (after the search) can use them too.
 */
const dfsStack: (Tensor | null)[] = [];
const dfsNext: number[] = [];

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** fn(arg) with grad mode set to `enabled` (an argument rather than a closure: backward runs it every step). */
function withGradMode<A, T>(enabled: boolean, fn: (arg: A) => T, arg: A): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn(arg);
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Runs `fn` without recording the graph: for optimiser updates, evaluation and inference.
 * @example kiln.noGrad(() => w.sub_(w.grad!.mul(0.1)));
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn, undefined);
}

/** Runs `fn` with recording on, even inside `noGrad` (gradcheck uses it). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn, undefined);
}

/**
 * Whether an op on `inputs` will be recorded (grad mode is on and an input needs a gradient): an
 * op can then skip what only its backward would read, such as max pooling's argmax.
 */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** needsGrad for one input, with no array. */
export function needsGrad1(input: Tensor): boolean {
  return gradEnabled && input.requiresGrad;
}

/**
 * Records `out = name(inputs)` on the tape when grad mode is on and an input needs a gradient.
 * `backward` is called under noGrad with the gradient of `out` and returns one per input.
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: (g: Tensor) => readonly (Tensor | null)[]): Tensor {
  if (!needsGrad(inputs)) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs, backward };
  return out;
}

/**
 * Back-propagates from `root`: every leaf tensor with `requiresGrad` gets d(root)/d(leaf)
 * added into its `.grad` (gradients accumulate; `optimizer.zeroGrad()` clears them). The memory
 * of the graph's intermediates is released at the end unless `retainGraph` (autograd/release.ts).
 */
export function runBackward(root: Tensor, grad: Tensor | undefined, makeOnes: (like: Tensor) => Tensor, retainGraph = false): void {
  if (!root.requiresGrad) {
    throw new ValueError('backward: this tensor does not require a gradient; create the leaves with { requiresGrad: true } and do not build it inside noGrad');
  }
  let implied: Tensor | null = null;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(`backward: a gradient can be implied only for a scalar output, got shape ${fmtShape(root.shape)}; pass backward(gradient) with that shape`);
    }
    grad = implied = makeOnes(root);
  } else if (grad.shape.length !== root.shape.length || grad.shape.some((d, i) => d !== root.shape[i])) {
    throw new ShapeError(`backward: the gradient has shape ${fmtShape(grad.shape)} but the output has shape ${fmtShape(root.shape)}`);
  }

  // Topological order by an iterative depth-first search (deep chains must not overflow the stack).
  // Visited tensors are marked with this pass's number instead of being kept in a Set: backward
  // runs every training step, and its bookkeeping is per-op overhead.
  const pass = ++backwardPasses;
  const order: Tensor[] = [];
  // stack[0…depth]: the path from the root; next[i]: the input of stack[i] to visit next.
  const stack = dfsStack, next = dfsNext;
  let depth = 0;
  stack[0] = root;
  next[0] = 0;
  root.visitMark = pass;
  while (depth >= 0) {
    const t = stack[depth]!;
    const inputs = t.gradFn?.inputs;
    if (inputs && next[depth]! < inputs.length) {
      const input = inputs[next[depth]!++]!;
      if (input.requiresGrad && input.visitMark !== pass) {
        input.visitMark = pass;
        stack[++depth] = input;
        next[depth] = 0;
      }
    } else {
      order.push(t);
      stack[depth--] = null;
    }
  }

  // Gradients in flight wait on their tensor (pendingGrad), each freed once passed on.
  root.pendingGrad = grad;
  try {
    // What the pass allocates, and the graph's forward intermediates, are released at its end.
    releasingBackward(order, backpropagateNoGrad, retainGraph);
  } finally {
    // If a backward function threw, no gradient of this pass may leak into the next one.
    for (const t of order) t.pendingGrad = null;
    if (implied) releaseStorage(implied.storage);
  }
}

/** backpropagate without recording (what backward functions compute is not part of a graph). */
const backpropagateNoGrad = (order: readonly Tensor[]): void => withGradMode(false, backpropagate, order);

function backpropagate(order: readonly Tensor[]): void {
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const g = t.pendingGrad;
    if (!g) continue;
    t.pendingGrad = null;
    if (!t.gradFn) {
      t.accumulateGrad(g);
      continue;
    }
    const inGrads = t.gradFn.backward(g);
    const inputs = t.gradFn.inputs;
    for (let j = 0; j < inputs.length; j++) {
      const inp = inputs[j]!;
      const ig = inGrads[j];
      if (!ig || !inp.requiresGrad) continue;
      inp.pendingGrad = inp.pendingGrad ? inp.pendingGrad.add(ig) : ig;
    }
  }
}
