import { viz } from 'kiln-ml';
import { $, heatmap, message } from './dom.js';
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
  const d = viz.networkDiagram({ weights: s.weights.map((w) => w.W), inputNames, circles: 'output' });
  const box = $('network');
  box.innerHTML = d.svg;
  const last = s.weights.length;
  const small = d.nodes.some((n) => n.index >= 20);
  if (!small) {
    const { cells, values, inputs } = s.neurons;
    const oneD = s.neurons.range.length === 1;
    const layersShown = [inputs, ...values];
    for (const n of d.nodes) {
      const unit = layersShown[n.layer]?.[n.index];
      if (n.layer >= last || !unit) continue;
      const scale = Math.max(1e-6, ...unit.map(Math.abs));
      const c = oneD ? heatmap(unit, cells, 1, scale, 1, false) : heatmap(unit, cells, cells, scale, 1);
      c.className = 'node';
      c.style.width = c.style.height = ''; // the node's size is the stylesheet's, whatever the grid

      c.style.left = `${(100 * n.x) / d.width}%`;
      c.style.top = `${(100 * n.y) / d.height}%`;
      c.title = n.layer === 0 ? `input ${inputNames[n.index] ?? n.index + 1}` : `layer ${n.layer}, unit ${n.index + 1}`;
      // Reachable by keyboard: focus enlarges a unit as hovering does.
      c.tabIndex = 0;
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', `${c.title}: its output over the input space`);
      box.append(c);
    }
  }
  for (const g of box.querySelectorAll<SVGGElement>('g.edge-hit')) {
    g.querySelector('title')!.textContent += ' (click or Enter to change)';
    // Edges are buttons for the keyboard too: Tab to one, Enter (or Space) to edit it.
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', g.querySelector('title')!.textContent!);
    g.onclick = (e) => editWeight(g, e.clientX, e.clientY);
    g.onkeydown = (k) => {
      if (k.key !== 'Enter' && k.key !== ' ') return;
      k.preventDefault();
      const r = g.getBoundingClientRect();
      editWeight(g, r.left + r.width / 2, r.top + r.height / 2);
    };
    if (edgeKey(g) === refocus) g.focus();
  }
  refocus = null;
}

/** The edge a keyboard user was on, to put the focus back on once the diagram is redrawn. */
let refocus: string | null = null;
const edgeKey = (g: SVGGElement): string => `${g.dataset.layer}:${g.dataset.out}:${g.dataset.in}`;

/**
 * An input over the edge, at (x, y) on the page: Enter sets the weight (the worker changes it and
 * redraws), Escape leaves it; either way the focus goes back to the edge.
 */
function editWeight(edge: SVGGElement, x: number, y: number): void {
  const box = $('network');
  box.querySelector('input.weight-edit')?.remove();
  const r = box.getBoundingClientRect();
  const input = Object.assign(document.createElement('input'), { type: 'number', step: '0.1', className: 'weight-edit', value: Number(edge.dataset.value).toPrecision(4) });
  input.setAttribute('aria-label', `W[${edge.dataset.layer}][${Number(edge.dataset.out) + 1},${Number(edge.dataset.in) + 1}]`);
  input.style.left = `${x - r.left}px`;
  input.style.top = `${y - r.top}px`;
  // Removing a focused input blurs it: close once, whichever comes first (Enter, Escape, a click away).
  const close = (): void => {
    input.onblur = null;
    input.remove();
  };
  input.onkeydown = (k) => {
    if (k.key === 'Escape') { close(); edge.focus(); }
    if (k.key !== 'Enter') return;
    const value = Number(input.value);
    if (input.value.trim() === '' || !Number.isFinite(value)) { message(`a weight must be a number, got "${input.value}"`); return; }
    refocus = edgeKey(edge);
    send({ type: 'set-weight', layer: Number(edge.dataset.layer), out: Number(edge.dataset.out), input: Number(edge.dataset.in), value });
    close();
    edge.focus();
  };
  input.onblur = close;
  box.append(input);
  input.focus();
  input.select();
}
