// The network diagram as SVG, shared by the playground (which lays each unit's heatmap over its
// node) and the CLI (`kiln train --plot` writes network.svg): an edge per weight, its width ∝ |w|,
// orange positive and blue negative, its value on hover; the inputs named.

/** Where a unit sits in the diagram (layer 0 is the inputs), in the SVG's units. */
export interface DiagramNode { layer: number; index: number; x: number; y: number }

export interface NetworkDiagram { svg: string; width: number; height: number; nodes: DiagramNode[] }

const POSITIVE = '#f58518', NEGATIVE = '#4c78a8';
const fmt = (v: number): string => String(+v.toPrecision(4));

/**
 * The diagram of a dense network from its weight matrices, W[l] of shape [units of layer l+1,
 * units of layer l]. Units are drawn as circles (`circles: 'all'`, the CLI), or only the output's
 * and those of layers too wide for heatmaps (`'output'`, the playground, which draws the rest).
 * Edges carry data-layer (from 1), data-out, data-in and data-value for a page to make them editable.
 */
export function networkDiagram(options: { weights: readonly (readonly (readonly number[])[])[]; inputNames?: readonly string[]; circles?: 'all' | 'output'; title?: string }): NetworkDiagram {
  const { weights, inputNames = [], circles = 'all', title } = options;
  if (weights.length === 0 || !weights[0]![0]) throw new Error('networkDiagram: the network has no weights to draw');
  const sizes = [weights[0]![0]!.length, ...weights.map((w) => w.length)];
  const top = title ? 24 : 0;
  const width = 380, height = top + Math.max(160, Math.min(600, 30 * Math.max(...sizes) + 30));
  // Room on the left for the inputs' names (about 7 px a character at 12 px).
  const left = Math.max(60, 24 + 7 * Math.max(0, ...inputNames.slice(0, 16).map((n) => n.length)));
  const x = (l: number): number => left + (l * (width - left - 20)) / (sizes.length - 1);
  const y = (l: number, i: number): number => top + ((height - top) * (i + 1)) / (sizes[l]! + 1);
  const maxW = Math.max(1e-6, ...weights.flatMap((w) => w.flat().map(Math.abs)));
  const edges: string[] = [];
  weights.forEach((w, l) => w.forEach((row, o) => row.forEach((v, i) => {
    if (sizes[l]! * sizes[l + 1]! > 4000 && Math.abs(v) < maxW / 4) return; // only strong edges of very wide layers
    const at = `x1="${x(l)}" y1="${y(l, i).toFixed(1)}" x2="${x(l + 1)}" y2="${y(l + 1, o).toFixed(1)}"`;
    // A wide transparent line under each edge takes the pointer, so thin edges can be pointed at.
    edges.push(`<g class="edge-hit" data-layer="${l + 1}" data-out="${o}" data-in="${i}" data-value="${v}"><line ${at} stroke="transparent" stroke-width="8"/><line class="edge" ${at} stroke="${v >= 0 ? POSITIVE : NEGATIVE}" stroke-width="${(0.3 + (4 * Math.abs(v)) / maxW).toFixed(2)}" stroke-opacity="0.75"/><title>W[${l + 1}][${o + 1},${i + 1}] = ${fmt(v)}</title></g>`);
  })));
  const small = Math.max(...sizes) > 20;
  const last = sizes.length - 1;
  const nodes: DiagramNode[] = sizes.flatMap((n, l) => Array.from({ length: Math.min(n, 64) }, (_, i) => ({ layer: l, index: i, x: x(l), y: y(l, i) })));
  const drawn = nodes.filter((n) => circles === 'all' || small || n.layer === last)
    .map((n) => `<circle cx="${n.x}" cy="${n.y.toFixed(1)}" r="${small ? 3 : 7}" fill="white" stroke="#333"/>`);
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const names = sizes[0]! <= 16 ? inputNames.slice(0, sizes[0]).map((name, i) => `<text x="${x(0) - 15}" y="${(y(0, i) + 4).toFixed(1)}" text-anchor="end" font-size="12">${esc(name)}</text>`) : [];
  const heading = title ? `<text x="${width / 2}" y="16" text-anchor="middle" font-size="14">${esc(title)}</text>` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" data-chart="network" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${heading}${edges.join('')}${drawn.join('')}${names.join('')}</svg>`;
  return { svg, width, height, nodes };
}
