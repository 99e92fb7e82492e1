// How every JavaScript workload of the benchmark is timed, Kiln's and TensorFlow.js's alike.

/** Slices a rate is measured in; the best is kept, so a burst of load from elsewhere counts less. */
export const SLICES = 3;

/**
 * Calls `step` (after one warm-up call) for `seconds`, in SLICES equal slices, and returns the
 * best slice's calls per second. A slice always makes at least one call.
 */
export async function rate(step, seconds) {
  await step();
  let best = 0;
  for (let s = 0; s < SLICES; s++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / SLICES) { await step(); n++; }
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  return best;
}
