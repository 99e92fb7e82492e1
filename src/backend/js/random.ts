import type { Kernels } from '../backend.js';
import { host } from '../../tensor/storage.js';
import { Generator } from '../../tensor/random.js';

// Random kernels: the seeded generator's own draws, from a state the caller hands over.

export const dropoutMask: Kernels['dropoutMask'] = (out_, state, p, scale) => {
  const out = host(out_);
  const g = new Generator();
  g.setState({ s: [...state], spareNormal: null });
  for (let i = 0; i < out.length; i++) out[i] = g.uniform() >= p ? scale : 0;
};
