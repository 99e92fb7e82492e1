// Adam's and RMSprop's updates in SIMD, for optimiser state that lives in the kernels' memory (the
// wasm backend's resident buffers), computed as src/backend/js/optim.ts does.

/** p, g: [n] (copied in); m, v: [n] resident, updated in place. Hyperparameters as in the js kernel. */
export function adamStep(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, t: i32): void {
  const stepSize = <f32>(lr / (1 - Math.pow(beta1, t)));
  const invRootBc2 = <f32>(1 / Math.sqrt(1 - Math.pow(beta2, t)));
  const shrink = <f32>(decoupled ? 1 - lr * weightDecay : 1);
  const l2 = <f32>(decoupled ? 0 : weightDecay);
  const b1 = <f32>beta1, c1 = <f32>(1 - beta1), b2 = <f32>beta2, c2 = <f32>(1 - beta2), e = <f32>eps;
  const vStep = f32x4.splat(stepSize), vInv = f32x4.splat(invRootBc2), vShrink = f32x4.splat(shrink), vL2 = f32x4.splat(l2);
  const vb1 = f32x4.splat(b1), vc1 = f32x4.splat(c1), vb2 = f32x4.splat(b2), vc2 = f32x4.splat(c2), vEps = f32x4.splat(e);
  const vec = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < vec; i += 16) {
    const w = f32x4.mul(v128.load(p + i), vShrink);
    const d = f32x4.add(v128.load(g + i), f32x4.mul(vL2, w));
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + i)), f32x4.mul(vc1, d));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + i)), f32x4.mul(vc2, f32x4.mul(d, d)));
    v128.store(m + i, mi);
    v128.store(v + i, vi);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vi), vInv), vEps);
    v128.store(p + i, f32x4.sub(w, f32x4.div(f32x4.mul(vStep, mi), denom)));
  }
  for (let j = n & ~3; j < n; j++) {
    const i = <usize>j << 2;
    const w = load<f32>(p + i) * shrink;
    const d = load<f32>(g + i) + l2 * w;
    const mi = b1 * load<f32>(m + i) + c1 * d;
    const vi = b2 * load<f32>(v + i) + c2 * d * d;
    store<f32>(m + i, mi);
    store<f32>(v + i, vi);
    store<f32>(p + i, w - (stepSize * mi) / (Mathf.sqrt(vi) * invRootBc2 + e));
  }
}

/**
 * adamStep on one chunk of a split call (a thread pool kernel): p, g, m, v at the chunk's first
 * element, its n elements, and the hyperparameters at `hyper` as seven f64s (lr, beta1, beta2, eps,
 * weightDecay, decoupled, t): the pool passes its arguments as int32s. `work` is unused.
 */
export function adamStepChunk(p: usize, g: usize, m: usize, v: usize, n: i32, hyper: usize, work: usize): void {
  adamStep(p, g, m, v, n, load<f64>(hyper), load<f64>(hyper, 8), load<f64>(hyper, 16), load<f64>(hyper, 24), load<f64>(hyper, 32), <i32>load<f64>(hyper, 40), <i32>load<f64>(hyper, 48));
}

/** p, g: [n] (copied in); sq and (when ≠ 0) buf: [n] resident, updated in place. As the js kernel. */
export function rmspropStep(p: usize, g: usize, sq: usize, buf: usize, n: i32, lr: f64, alpha: f64, eps: f64, momentum: f64, weightDecay: f64): void {
  const a = <f32>alpha, c = <f32>(1 - alpha), e = <f32>eps, mu = <f32>momentum, wd = <f32>weightDecay, rate = <f32>lr;
  const va = f32x4.splat(a), vc = f32x4.splat(c), ve = f32x4.splat(e), vmu = f32x4.splat(mu), vwd = f32x4.splat(wd), vlr = f32x4.splat(rate);
  const vec = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < vec; i += 16) {
    const w = v128.load(p + i);
    const d = f32x4.add(v128.load(g + i), f32x4.mul(vwd, w));
    const s = f32x4.add(f32x4.mul(va, v128.load(sq + i)), f32x4.mul(vc, f32x4.mul(d, d)));
    v128.store(sq + i, s);
    let step = f32x4.div(d, f32x4.add(f32x4.sqrt(s), ve));
    if (buf) {
      step = f32x4.add(f32x4.mul(vmu, v128.load(buf + i)), step);
      v128.store(buf + i, step);
    }
    v128.store(p + i, f32x4.sub(w, f32x4.mul(vlr, step)));
  }
  for (let j = n & ~3; j < n; j++) {
    const i = <usize>j << 2;
    const w = load<f32>(p + i);
    const d = load<f32>(g + i) + wd * w;
    const s = a * load<f32>(sq + i) + c * d * d;
    store<f32>(sq + i, s);
    let step = d / (Mathf.sqrt(s) + e);
    if (buf) {
      step = mu * load<f32>(buf + i) + step;
      store<f32>(buf + i, step);
    }
    store<f32>(p + i, w - rate * step);
  }
}
