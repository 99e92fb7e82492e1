import type { Tensor } from './tensor.js';

const EDGE = 3; // elements shown at each end of a long dim
const SUMMARISE_ABOVE = 1000; // total elements beyond which long dims are elided with "..."

/**
 * Renders a tensor like PyTorch: `tensor([[ 0.5000,  1.0000],\n        [ 1.5000, -2.0000]])`,
 * with the dtype shown when it is not float32 and `requiresGrad=true` when set.
 */
export function formatTensor(t: Tensor): string {
  const summarise = t.size > SUMMARISE_ABOVE;
  const values = Array.from(t.values);
  const isInt = t.dtype === 'int32';
  const finite = values.filter(Number.isFinite);
  const allWhole = finite.every(Number.isInteger);
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  const scientific = !isInt && !allWhole && (maxAbs >= 1e8 || minAbs < 1e-4);
  const fmt = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (isInt) return String(v);
    if (allWhole && maxAbs < 1e8) return `${v}.`;
    return scientific ? v.toExponential(4) : v.toFixed(4);
  };
  const strs = values.map(fmt);
  const width = strs.reduce((w, s) => Math.max(w, s.length), 0);
  const pad = (s: string): string => s.padStart(width);
  const prefix = 'tensor(';

  const render = (dim: number, offset: number, indent: string): string => {
    if (t.ndim === 0) return strs[0]!;
    const size = t.shape[dim]!;
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const idx: (number | null)[] = summarise && size > 2 * EDGE
      ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => size - EDGE + i)]
      : Array.from({ length: size }, (_, i) => i);
    if (dim === t.ndim - 1) {
      return `[${idx.map((i) => (i === null ? '...' : pad(strs[offset + i]!))).join(', ')}]`;
    }
    const sep = ',' + '\n'.repeat(t.ndim - dim - 1) + indent + ' ';
    return `[${idx.map((i) => (i === null ? '...' : render(dim + 1, offset + i * stride, indent + ' '))).join(sep)}]`;
  };

  const extras: string[] = [];
  if (t.dtype !== 'float32') extras.push(`dtype=${t.dtype}`);
  if (t.size === 0) extras.push(`size=[${t.shape.join(', ')}]`);
  if (t.requiresGrad) extras.push(t.gradFn ? `gradFn=<${t.gradFn.name}>` : 'requiresGrad=true');
  return `${prefix}${render(0, 0, ' '.repeat(prefix.length))}${extras.map((e) => `, ${e}`).join('')})`;
}
