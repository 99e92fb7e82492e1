import { releaseStorages, trackAllocations } from '../tensor/storage.js';
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

/**
 * Runs `fn` (a module's forward, a loss) as a release scope: its intermediates (see above) are
 * released now without a graph, or by the backward pass through its output. `keep`: tensors the
 * scope may have allocated that live on (a module's parameters and buffers).
 */
export function releaseScope(fn: () => Tensor, keep?: () => Iterable<Tensor>): Tensor {
  if (inScope) return fn();
  inScope = true;
  let out: Tensor, made: Storage[];
  try {
    [out, made] = trackAllocations(fn);
  } finally {
    inScope = false;
  }
  if (made.length === 0) return out;
  const kept = new Set<Storage>([out.values]);
  if (keep) for (const t of keep()) kept.add(t.values);
  const intermediates = made.filter((s) => !kept.has(s));
  if (intermediates.length === 0) return out;
  if (!isGradEnabled() || !out.requiresGrad) releaseStorages(intermediates);
  else out.intermediates = out.intermediates ? out.intermediates.concat(intermediates) : intermediates;
  return out;
}

/**
 * Runs a backward pass (`run`) over the tensors `order` and releases what it allocated, except the
 * leaves' gradients, then the forward intermediates of the scopes it went through (unless
 * `retainGraph`, which keeps the graph for another backward pass).
 */
export function releasingBackward(order: readonly Tensor[], run: () => void, retainGraph: boolean): void {
  // Isolated: a backward run inside a forward scope must not hand the scope the leaves' gradients.
  const [, made] = trackAllocations(run, { isolated: true });
  const grads = new Set<Storage>();
  for (const t of order) if (t.grad) grads.add(t.grad.values);
  releaseStorages(made.filter((s) => !grads.has(s)));
  if (retainGraph) return;
  for (const t of order) {
    if (!t.intermediates) continue;
    releaseStorages(t.intermediates);
    t.intermediates = null;
  }
}
