import { $, fmt, heatmap, message } from './dom.js';
import type { Snapshot } from './trainer.js';
import { send } from './workers.js';

// The network as the learner sees it: the diagram (edges by weight, units as heatmaps, a click to
// set a weight) and each hidden unit's output over the input space.

export function showNeurons(s: Snapshot): void {
  const box = $('neurons');
  const { cells, values } = s.neurons;
  const oneD = s.neurons.range.length === 1;
  box.replaceChildren(...values.map((layer, l) => {
    const col = document.createElement('div');
    col.className = 'neuron-layer';
    col.append(Object.assign(document.createElement('div'), { textContent: `layer ${l + 1}` }));
    for (const unit of layer) {
      const scale = Math.max(1e-6, ...unit.map(Math.abs));
      const c = oneD ? heatmap(unit, cells, 1, scale, 1.5, false) : heatmap(unit, cells, cells, scale, 4);
      if (oneD) c.style.height = '12px';
      c.className = 'neuron';
      col.append(c);
    }
    return col;
  }));
}

/** The names of the network's inputs (the data's features), beside its input nodes. */
let inputNames: string[] = [];

/** Names the network's inputs (from the data's description, on each reset). */
export function setInputNames(names: string[]): void {
  inputNames = names;
}

/**
 * The network: edges as lines (width ∝ |w|, orange positive, blue negative; hover shows the weight,
 * a click edits it), and each input and hidden unit as a heatmap of its output over the input
 * space, enlarged on hover (the output unit's is the plot itself); the inputs named.
 */
export function showNetwork(s: Snapshot): void {
  const sizes = [s.weights[0]!.W[0]!.length, ...s.weights.map((w) => w.W.length)];
  const W = 380, H = Math.max(160, Math.min(600, 30 * Math.max(...sizes) + 30));
  const x = (l: number): number => 60 + (l * (W - 80)) / (sizes.length - 1);
  const y = (l: number, i: number): number => (H * (i + 1)) / (sizes[l]! + 1);
  const maxW = Math.max(1e-6, ...s.weights.flatMap((w) => w.W.flat().map(Math.abs)));
  const edges: string[] = [];
  s.weights.forEach((w, l) => w.W.forEach((row, o) => row.forEach((v, i) => {
    if (sizes[l]! * sizes[l + 1]! > 4000 && Math.abs(v) < maxW / 4) return; // only strong edges of very wide layers
    const at = `x1="${x(l)}" y1="${y(l, i).toFixed(1)}" x2="${x(l + 1)}" y2="${y(l + 1, o).toFixed(1)}"`;
    // A wide transparent line under each edge takes the pointer, so thin edges can be clicked.
    edges.push(`<g class="edge-hit" data-layer="${l + 1}" data-out="${o}" data-in="${i}" data-value="${v}"><line ${at} stroke="transparent" stroke-width="8"/><line class="edge" ${at} stroke="${v >= 0 ? '#f58518' : '#4c78a8'}" stroke-width="${(0.3 + (4 * Math.abs(v)) / maxW).toFixed(2)}" stroke-opacity="0.75"/><title>W[${l + 1}][${o + 1},${i + 1}] = ${fmt(v)} (click to change)</title></g>`);
  })));
  const small = Math.max(...sizes) > 20;
  // The output unit (and units past what the heatmaps show) as plain circles.
  const last = sizes.length - 1;
  const circles = sizes.flatMap((n, l) => Array.from({ length: Math.min(n, 64) }, (_, i) => (l === last || small ? `<circle cx="${x(l)}" cy="${y(l, i).toFixed(1)}" r="${small ? 3 : 7}" fill="white" stroke="#333"/>` : '')));
  const names = sizes[0]! <= 16 ? inputNames.slice(0, sizes[0]).map((name, i) => `<text x="${x(0) - 15}" y="${(y(0, i) + 4).toFixed(1)}" text-anchor="end" font-size="12">${name}</text>`) : [];
  const box = $('network');
  box.innerHTML = `<svg data-chart="network" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${edges.join('')}${circles.join('')}${names.join('')}</svg>`;
  if (!small) {
    const { cells, values, inputs } = s.neurons;
    const oneD = s.neurons.range.length === 1;
    const layersShown = [inputs, ...values];
    layersShown.forEach((units, l) => units.forEach((unit, i) => {
      if (l >= last) return;
      const scale = Math.max(1e-6, ...unit.map(Math.abs));
      const c = oneD ? heatmap(unit, cells, 1, scale, 1, false) : heatmap(unit, cells, cells, scale, 1);
      c.className = 'node';
      c.style.left = `${(100 * x(l)) / W}%`;
      c.style.top = `${(100 * y(l, i)) / H}%`;
      c.title = l === 0 ? `input ${inputNames[i] ?? i + 1}` : `layer ${l}, unit ${i + 1}`;
      box.append(c);
    }));
  }
  for (const g of box.querySelectorAll<SVGGElement>('g.edge-hit')) g.onclick = (e) => editWeight(g, e);
}

/** An input over the clicked edge: Enter sets the weight (the worker changes it and redraws), Escape leaves it. */
function editWeight(edge: SVGGElement, e: MouseEvent): void {
  const box = $('network');
  box.querySelector('input.weight-edit')?.remove();
  const r = box.getBoundingClientRect();
  const input = Object.assign(document.createElement('input'), { type: 'number', step: '0.1', className: 'weight-edit', value: Number(edge.dataset.value).toPrecision(4) });
  input.setAttribute('aria-label', `W[${edge.dataset.layer}][${Number(edge.dataset.out) + 1},${Number(edge.dataset.in) + 1}]`);
  input.style.left = `${e.clientX - r.left}px`;
  input.style.top = `${e.clientY - r.top}px`;
  input.onkeydown = (k) => {
    if (k.key === 'Escape') input.remove();
    if (k.key !== 'Enter') return;
    const value = Number(input.value);
    if (input.value.trim() === '' || !Number.isFinite(value)) { message(`a weight must be a number, got "${input.value}"`); return; }
    send({ type: 'set-weight', layer: Number(edge.dataset.layer), out: Number(edge.dataset.out), input: Number(edge.dataset.in), value });
    input.remove();
  };
  input.onblur = () => input.remove();
  box.append(input);
  input.focus();
  input.select();
}
