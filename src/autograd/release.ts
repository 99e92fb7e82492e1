import { beginTracking, endTracking, releaseStorages } from '../tensor/storage.js';
import type { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './tape.js';

// Deterministic release of a step's memory, so users never dispose() and a training loop's memory
// stays flat even when the garbage collector does not run (a synchronous loop gives its
// FinalizationRegistry callbacks no chance to).
//
// Forward: a module's forward (and a loss) runs as a release scope. What it allocated and did not
// return, nor keep as the module's parameters or buffers, only its autograd graph can reach: its
// intermediates. Without a graph (noGrad, inference) they are released as the scope ends; with
// one, they ride on the output and are released by the backward pass that consumes the graph.
// Only the outermost scope accounts, so a model's whole forward is one scope.
//
// Backward: every storage a backward pass allocates is released at its end, except the leaves'
// new `.grad`s: the gradients in flight and the temporaries of each op's backward.
//
// A tensor over a released storage throws if read (Tensor.values), naming the way to keep it.

let inScope = false;

/** Storages that outlive any scope that made them: parameters (see keepStorage). */
const kept = new WeakSet<Storage>();

/** Marks a storage as living on (nn.Parameter does): a release scope that made it never releases it. */
export function keepStorage(s: Storage): void {
  kept.add(s);
}

/**
 * Runs `fn.call(self, x)` (a module's forward) as a release scope: its intermediates (see above)
 * are released now without a graph, or by the backward pass through its output. No closure: it
 * runs for every module call.
 */
export function releaseScope<S, A>(fn: (this: S, x: A) => Tensor, self: S, x: A): Tensor {
  if (inScope) return fn.call(self, x);
  inScope = true;
  const mark = beginTracking();
  let out: Tensor;
  try {
    out = fn.call(self, x);
  } catch (e) {
    endTracking(mark);
    throw e;
  } finally {
    inScope = false;
  }
  const made = endTracking(mark);
  if (made.length === 0) return out;
  const result = out.storage;
  const intermediates = made.filter((s) => s !== result && !kept.has(s));
  if (intermediates.length === 0) return out;
  if (!isGradEnabled() || !out.requiresGrad) releaseStorages(intermediates);
  else out.intermediates = out.intermediates ? out.intermediates.concat(intermediates) : intermediates;
  return out;
}

function callThunk(this: () => Tensor): Tensor {
  return this();
}

/** releaseScope for a function of no arguments (a loss over its closed-over operands). */
export function scoped(thunk: () => Tensor): Tensor {
  return releaseScope(callThunk, thunk, undefined);
}

/**
 * Runs a backward pass (`run`) over the tensors `order` and releases what it allocated, except the
 * leaves' gradients, then the forward intermediates of the scopes it went through (unless
 * `retainGraph`, which keeps the graph for another backward pass).
 */
export function releasingBackward(order: readonly Tensor[], run: (order: readonly Tensor[]) => void, retainGraph: boolean): void {
  // Isolated: a backward run inside a forward scope must not hand the scope the leaves' gradients.
  const mark = beginTracking();
  try {
    run(order);
  } catch (e) {
    endTracking(mark, true);
    throw e;
  }
  // Everything the pass made but the leaves' gradients, which are long-lived (Tensor.accumulateGrad)
  // and so never tracked.
  releaseStorages(endTracking(mark, true));
  if (retainGraph) return;
  for (const t of order) {
    if (!t.intermediates) continue;
    releaseStorages(t.intermediates);
    t.intermediates = null;
  }
}
