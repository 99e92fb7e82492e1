import type { Kernels } from '../backend.js';
import { host, optHost } from '../../tensor/storage.js';

// Fused optimiser updates, one pass over each parameter. Formulas follow PyTorch's optimisers
// exactly, so the reference trajectories in shared/reference replay to 1e-9 in float64.

export const sgdStep: Kernels['sgdStep'] = (p_, g_, buf_, o) => {
  const p = host(p_), g = host(g_), buf = optHost(buf_);
  const { lr, momentum, dampening, nesterov, weightDecay, first } = o;
  for (let i = 0; i < p.length; i++) {
    let d = g[i]! + weightDecay * p[i]!;
    if (buf) {
      const b = first ? d : momentum * buf[i]! + (1 - dampening) * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] -= lr * d;
  }
};

export const rmspropStep: Kernels['rmspropStep'] = (p_, g_, sq_, buf_, o) => {
  const p = host(p_), g = host(g_), sq = host(sq_), buf = optHost(buf_);
  const { lr, alpha, eps, momentum, weightDecay } = o;
  for (let i = 0; i < p.length; i++) {
    const d = g[i]! + weightDecay * p[i]!;
    const s = alpha * sq[i]! + (1 - alpha) * d * d;
    sq[i] = s;
    const step = d / (Math.sqrt(s) + eps);
    if (buf) {
      const b = momentum * buf[i]! + step;
      buf[i] = b;
      p[i] -= lr * b;
    } else {
      p[i] -= lr * step;
    }
  }
};

export const adamStep: Kernels['adamStep'] = (p_, g_, m_, v_, o) => {
  const p = host(p_), g = host(g_), m = host(m_), v = host(v_);
  const { lr, beta1, beta2, eps, weightDecay, decoupled, t } = o;
  // lr·m̂/(√v̂ + ε) as PyTorch computes it: (lr/bc₁)·m / (√v/√bc₂ + ε), one root and one division
  // per element (this loop is a quarter of an MLP's training step).
  const stepSize = lr / (1 - Math.pow(beta1, t));
  const invRootBc2 = 1 / Math.sqrt(1 - Math.pow(beta2, t));
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  for (let i = 0; i < p.length; i++) {
    const w = p[i]! * shrink;
    const d = g[i]! + l2 * w;
    const mi = beta1 * m[i]! + (1 - beta1) * d;
    const vi = beta2 * v[i]! + (1 - beta2) * d * d;
    m[i] = mi;
    v[i] = vi;
    p[i] = w - (stepSize * mi) / (Math.sqrt(vi) * invRootBc2 + eps);
  }
};
