// Adam's update in SIMD, for optimiser state that lives in the kernels' memory (the wasm backend's
// resident buffers), as src/backend/js/optim.ts computes it: (lr/bc₁)·m / (√v/√bc₂ + ε).

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
