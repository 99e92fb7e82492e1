import type { Compared, FromWorker, ToDigitsWorker, ToWorker, DigitsView } from './protocol.js';
import {
  ACTIVATIONS, BATCH_MODES, COMPARISONS, COMPARISON_LABELS, DATASETS, DIGIT_MODELS, FEATURES, FEATURE_LABELS, INITS, MAX_LAYERS, MAX_UNITS, OPTIMIZERS, OUTPUTS,
  fromQuery, lossesFor, toQuery, withDataset,
} from './state.js';
import type { Settings } from './state.js';
import type { Snapshot } from './trainer.js';
import './style.css';

// The page: controls that edit the settings (kept in the URL), and the views the training worker's
// snapshots fill. Kiln itself runs in two workers: the network's (on the CPU) and the digits'
// (on WebGPU where the browser has it).

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(m, transfer);
const digitsWorker = new Worker(new URL('./digits-worker.ts', import.meta.url), { type: 'module' });
const sendDigits = (m: ToDigitsWorker, transfer: Transferable[] = []): void => digitsWorker.postMessage(m, transfer);

const loaded = fromQuery(location.search);
let settings: Settings = loaded.settings;
let csvText: string | undefined;
let playing = false;

function message(text: string, kind: 'error' | 'info' = 'error'): void {
  const box = $('message');
  box.textContent = text;
  box.className = text ? kind : '';
}

// ── Controls ────────────────────────────────────────────────────────────────────────────────

function options(select: HTMLSelectElement, values: readonly string[], current: string): void {
  select.replaceChildren(...values.map((v) => new Option(v, v, v === current, v === current)));
}

/** Writes the settings into every control (after a load, a data set switch, or a repair). */
function showSettings(): void {
  options($('dataset') as HTMLSelectElement, DATASETS, settings.dataset);
  options($('output') as HTMLSelectElement, OUTPUTS, settings.output);
  options($('loss') as HTMLSelectElement, lossesFor(settings.output), settings.loss);
  options($('init') as HTMLSelectElement, INITS, settings.init);
  options($('optimizer') as HTMLSelectElement, OPTIMIZERS, settings.optimizer);
  options($('batch') as HTMLSelectElement, BATCH_MODES, settings.batch);
  options($('digit-model') as HTMLSelectElement, DIGIT_MODELS, settings.digitModel);
  for (const [id, key] of NUMBER_INPUTS) ($(id) as HTMLInputElement).value = String(settings[key]);
  for (const out of document.querySelectorAll<HTMLOutputElement>('label.slider output')) out.value = String(settings[NUMBER_KEY[out.htmlFor.value]!]);
  ($('show-test') as HTMLInputElement).checked = settings.showTest;
  ($('discretize') as HTMLInputElement).checked = settings.discretize;
  for (const id of ['plot', 'plot-b']) $(id).classList.toggle('hide-test', !settings.showTest);
  const compare = $('compare') as HTMLSelectElement;
  compare.replaceChildren(new Option('off', '', settings.compare === '', settings.compare === ''), ...COMPARISONS.map((c) => new Option(COMPARISON_LABELS[c], c, c === settings.compare, c === settings.compare)));
  const layers = $('layers');
  layers.replaceChildren(...settings.hidden.map((l, i) => {
    const row = document.createElement('div');
    row.className = 'layer';
    row.innerHTML = `<span>layer ${i + 1}</span><input class="units" type="number" min="1" max="${MAX_UNITS}" value="${l.units}" aria-label="units of layer ${i + 1}"><select class="activation" aria-label="activation of layer ${i + 1}"></select><button class="remove-layer" title="remove this layer">−</button>`;
    options(row.querySelector('select')!, ACTIVATIONS, l.activation);
    row.querySelector<HTMLInputElement>('.units')!.onchange = (e) => {
      const v = Number((e.target as HTMLInputElement).value);
      if (!Number.isInteger(v) || v < 1 || v > MAX_UNITS) return message(`layer ${i + 1} needs 1 to ${MAX_UNITS} units, got ${(e.target as HTMLInputElement).value}`);
      update({ hidden: settings.hidden.map((h, j) => (j === i ? { ...h, units: v } : h)) });
    };
    row.querySelector<HTMLSelectElement>('.activation')!.onchange = (e) =>
      update({ hidden: settings.hidden.map((h, j) => (j === i ? { ...h, activation: (e.target as HTMLSelectElement).value as typeof h.activation } : h)) });
    row.querySelector<HTMLButtonElement>('.remove-layer')!.onclick = () => update({ hidden: settings.hidden.filter((_, j) => j !== i) });
    return row;
  }));
  const digitsMode = settings.dataset === 'digits';
  $('network-panel').hidden = digitsMode;
  $('views').hidden = digitsMode;
  $('digits-panel').hidden = !digitsMode;
  $('csv-row').hidden = settings.dataset !== 'csv';
  $('run-controls').hidden = digitsMode;
  // The digits have their own split, described once they are loaded (not the last data set's text).
  if (digitsMode) $('data-info').textContent = $('digits-status').dataset.ready === '1' ? $('data-info').textContent : 'MNIST digits: 10,000 real handwritten digits, fetched (1.6 MB) by Load or Train';
  // Points and noise shape the generated sets; the digits come with their own fixed split.
  for (const el of document.querySelectorAll<HTMLElement>('.generated')) el.hidden = digitsMode || settings.dataset === 'csv';
  // The beans have no noise setting: the course's generator draws them as they are.
  $('noise').parentElement!.hidden ||= settings.dataset === 'beans';
  for (const el of document.querySelectorAll<HTMLElement>('.split')) el.hidden = digitsMode;
  // The inputs: the coordinates, or features made from them (2-D data only).
  $('features').hidden = digitsMode || settings.dataset === 'beans';
  $('features').replaceChildren($('features').firstElementChild!, ...FEATURES.map((f) => {
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: settings.features.includes(f) });
    box.dataset.feature = f;
    box.onchange = () => {
      const chosen = FEATURES.filter((g) => (g === f ? box.checked : settings.features.includes(g)));
      if (chosen.length === 0) { box.checked = true; message('The network needs at least one input.'); return; }
      update({ features: chosen });
    };
    label.append(box, ` ${FEATURE_LABELS[f]}`);
    return label;
  }));
  $('batch-size').parentElement!.hidden = settings.batch !== 'mini';
}

const NUMBER_INPUTS: [string, keyof Settings][] = [
  ['samples', 'samples'], ['noise', 'noise'], ['test-fraction', 'testFraction'], ['seed', 'seed'], ['lr', 'lr'], ['decay', 'decay'],
  ['beta1', 'beta1'], ['beta2', 'beta2'], ['eps', 'eps'], ['batch-size', 'batchSize'], ['l2', 'l2'], ['l1', 'l1'], ['keep-prob', 'keepProb'],
  ['epochs', 'epochs'],
];
const NUMBER_KEY: Record<string, keyof Settings> = Object.fromEntries(NUMBER_INPUTS);

/** Applies a change: the URL follows, and the network starts again from its first epoch. */
function update(change: Partial<Settings>): void {
  const next = { ...settings, ...change };
  if (!lossesFor(next.output).includes(next.loss)) next.loss = lossesFor(next.output)[0]!;
  const { settings: checked, warnings } = fromQuery(toQuery(next));
  if (warnings.length > 0) {
    message(warnings.join('\n'));
    showSettings();
    return;
  }
  settings = checked;
  history.replaceState(null, '', `${location.pathname}${toQuery(settings) ? `?${toQuery(settings)}` : ''}`);
  showSettings();
  message('');
  reset();
}

function reset(): void {
  playing = false;
  showPlaying();
  if (settings.dataset === 'digits') return;
  if (settings.dataset === 'csv' && csvText === undefined) {
    message('Choose a CSV file of 2-D points: a header such as x1,x2,label, then one point per row.', 'info');
    return;
  }
  send({ type: 'reset', settings, csv: csvText });
}

function showPlaying(): void {
  // ▮▮ and ▶ come from the same Unicode block (Geometric Shapes), which every system font has;
  // ⏸ (Miscellaneous Technical) showed as a missing-glyph box in Chromium on Linux.
  $('play').textContent = playing ? '▮▮ Pause' : '▶ Play';
}

function wireControls(): void {
  ($('dataset') as HTMLSelectElement).onchange = (e) => {
    update(withDataset(settings, (e.target as HTMLSelectElement).value as Settings['dataset']));
    if (settings.dataset === 'beans') {
      ($('speed') as HTMLSelectElement).value = '100';
      send({ type: 'speed', epochsPerFrame: 100 });
    }
  };
  for (const id of ['output', 'loss', 'init', 'optimizer', 'batch'] as const) {
    ($(id) as HTMLSelectElement).onchange = (e) => update({ [id]: (e.target as HTMLSelectElement).value } as Partial<Settings>);
  }
  const showTest = $('show-test') as HTMLInputElement, discretize = $('discretize') as HTMLInputElement;
  // How the plot is drawn, not what trains: the URL follows, the network keeps training.
  const view = (): void => {
    settings = { ...settings, showTest: showTest.checked, discretize: discretize.checked };
    history.replaceState(null, '', `${location.pathname}${toQuery(settings) ? `?${toQuery(settings)}` : ''}`);
    for (const v of [plotA, plotB]) v.root.classList.toggle('hide-test', !settings.showTest);
    send({ type: 'view', discretize: settings.discretize });
  };
  showTest.onchange = view;
  discretize.onchange = view;
  ($('compare') as HTMLSelectElement).onchange = (e) => update({ compare: (e.target as HTMLSelectElement).value as Settings['compare'] });
  ($('digit-model') as HTMLSelectElement).onchange = (e) => update({ digitModel: (e.target as HTMLSelectElement).value as Settings['digitModel'] });
  for (const [id, key] of NUMBER_INPUTS) ($(id) as HTMLInputElement).onchange = (e) => update({ [key]: Number((e.target as HTMLInputElement).value) } as Partial<Settings>);
  // A slider shows its value as it moves; the network restarts when it is let go (change).
  for (const out of document.querySelectorAll<HTMLOutputElement>('label.slider output')) {
    const slider = $(out.htmlFor.value) as HTMLInputElement;
    slider.oninput = () => { out.value = slider.value; };
  }
  $('add-layer').onclick = () => {
    if (settings.hidden.length >= MAX_LAYERS) return message(`at most ${MAX_LAYERS} hidden layers`);
    update({ hidden: [...settings.hidden, { units: settings.hidden.at(-1)?.units ?? 4, activation: settings.hidden.at(-1)?.activation ?? 'tanh' }] });
  };
  $('play').onclick = () => {
    playing = !playing;
    showPlaying();
    send({ type: playing ? 'play' : 'pause' });
  };
  const speed = $('speed') as HTMLSelectElement;
  speed.onchange = () => send({ type: 'speed', epochsPerFrame: Number(speed.value) });
  // The beans as in the course: the curve redrawn every 100 epochs.
  if (settings.dataset === 'beans') speed.value = '100';
  send({ type: 'speed', epochsPerFrame: Number(speed.value) });
  $('step').onclick = () => { playing = false; showPlaying(); send({ type: 'step' }); };
  const explainOf = (): void => {
    const batch = ($('explain-of') as HTMLSelectElement).value === 'batch';
    ($('explain-example') as HTMLInputElement).disabled = batch;
    send({ type: 'explain', of: batch ? 'batch' : Math.max(1, Number(($('explain-example') as HTMLInputElement).value) || 1) - 1 });
  };
  ($('explain-of') as HTMLSelectElement).onchange = explainOf;
  ($('explain-example') as HTMLInputElement).onchange = explainOf;
  $('reset').onclick = () => reset();
  ($('csv-file') as HTMLInputElement).onchange = async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    csvText = await file.text();
    message('');
    reset();
  };
  $('export').onclick = () => send({ type: 'export' });
  ($('import') as HTMLInputElement).onchange = async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (settings.dataset === 'digits') sendDigits({ type: 'import', bytes }, [bytes.buffer]);
    else send({ type: 'import', bytes }, [bytes.buffer]);
  };
  $('share').onclick = async () => {
    await navigator.clipboard?.writeText(location.href).catch(() => undefined);
    message(`This set-up's link: ${location.href}`, 'info');
  };
  wireDigits();
}

// ── Views ───────────────────────────────────────────────────────────────────────────────────

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4));

function showSnapshot(s: Snapshot): void {
  $('epoch').textContent = String(s.epoch);
  $('epoch').dataset.epoch = String(s.epoch);
  const last = (a: number[]): string => (a.length ? fmt(a[a.length - 1]!) : '—');
  $('train-loss').textContent = last(s.loss.train);
  $('test-loss').textContent = last(s.loss.test);
  // Regression has no accuracy (NaN): its loss says how close it is.
  const percent = (a: number[]): string => (a.length && Number.isFinite(a.at(-1)) ? `${(100 * a.at(-1)!).toFixed(1)}%` : '—');
  $('train-acc').textContent = percent(s.accuracy.train);
  $('test-acc').textContent = percent(s.accuracy.test);
  $('lr-now').textContent = fmt(s.lr);
  showPlot(plotA, s);
  $('plot-toggles').hidden = s.boundary === null;
  $('loss-chart').innerHTML = s.lossChart;
  $('loss-chart').dataset.points = String(s.loss.train.length);
  $('loss-chart').dataset.firstLoss = String(s.loss.train[0] ?? '');
  $('loss-chart').dataset.lastLoss = String(s.loss.train.at(-1) ?? '');
  showBiasVariance(s);
  showNetwork(s);
  showNeurons(s);
  showExplain(s);
}

/** A plot of the data (SVG) with its boundary on a canvas beneath: network A's, and B's side by side. */
interface PlotView { root: HTMLElement; svg: HTMLElement; canvas: HTMLCanvasElement; shown: string; pending: Snapshot['boundary']; draws: number }
const plotView = (root: string, svg: string, canvas: string): PlotView => ({ root: $(root), svg: $(svg), canvas: $(canvas) as HTMLCanvasElement, shown: '', pending: null, draws: 0 });
const plotA = plotView('plot', 'plot-svg', 'boundary');
const plotB = plotView('plot-b', 'plot-svg-b', 'boundary-b');

/** A snapshot's plot: the SVG (points, axes) reparsed only when it changed (with the data); the boundary at the next frame. */
function showPlot(v: PlotView, s: Snapshot): void {
  if (s.plot !== v.shown) { v.svg.innerHTML = s.plot; v.shown = s.plot; }
  v.pending = s.boundary;
  v.canvas.hidden = s.boundary === null;
}

/** The second network of a side-by-side run: its plot, and its numbers beside A's. */
function showCompared(c: Compared | null, a: Snapshot): void {
  $('compare-box').hidden = c === null;
  $('plot-caption').hidden = c === null;
  if (!c) return;
  $('compare-caption').textContent = c.label;
  showPlot(plotB, c.snapshot);
  const last = (x: number[]): string => (x.length ? fmt(x.at(-1)!) : '—');
  const acc = (x: number[]): string => (x.length && Number.isFinite(x.at(-1)) ? `${(100 * x.at(-1)!).toFixed(1)}%` : '—');
  const stats = $('compare-stats');
  stats.textContent = `epoch ${c.snapshot.epoch}: test loss A ${last(a.loss.test)}, B ${last(c.snapshot.loss.test)}; test accuracy A ${acc(a.accuracy.test)}, B ${acc(c.snapshot.accuracy.test)}`;
  stats.dataset.testLossA = String(a.loss.test.at(-1) ?? '');
  stats.dataset.testLossB = String(c.snapshot.loss.test.at(-1) ?? '');
}

/** The latest snapshots from the worker, shown at the next animation frame. */
let pendingSnapshot: { snapshot: Snapshot; compare: Compared | null } | null = null;

/**
 * Shows the latest snapshot on animation frames only (snapshots that came between two frames are
 * skipped), and draws each boundary on its canvas at the screen's resolution (the grid's cells
 * scaled smoothly, or crisply when discretized), so the page keeps the display's rate however fast
 * the worker trains. Counts frames in #plot's data-frames (the browser test reads it).
 */
function drawLoop(): void {
  let frames = 0;
  const cells = document.createElement('canvas');
  const draw = (v: PlotView): void => {
    const b = v.pending;
    if (!b) return;
    v.pending = null;
    const a = b.area;
    Object.assign(v.canvas.style, {
      left: `${(100 * a.left) / a.width}%`, top: `${(100 * a.top) / a.height}%`,
      width: `${(100 * (a.right - a.left)) / a.width}%`, height: `${(100 * (a.bottom - a.top)) / a.height}%`,
    });
    const box = v.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    v.canvas.width = Math.max(1, Math.round(box.width * dpr));
    v.canvas.height = Math.max(1, Math.round(box.height * dpr));
    cells.width = b.nx; cells.height = b.ny;
    cells.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(b.rgba), b.nx, b.ny), 0, 0);
    const ctx = v.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = !settings.discretize;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(cells, 0, 0, v.canvas.width, v.canvas.height);
    v.draws++;
    v.root.dataset.draws = String(v.draws);
  };
  const tick = (): void => {
    frames++;
    if (pendingSnapshot) {
      const { snapshot, compare } = pendingSnapshot;
      pendingSnapshot = null;
      showSnapshot(snapshot);
      showCompared(compare, snapshot);
    }
    draw(plotA);
    draw(plotB);
    plotA.root.dataset.frames = String(frames);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** Blue for negative, white for 0, orange for positive, scaled by `scale`. */
function colour(v: number, scale: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v / (scale || 1)));
  return t >= 0 ? [255, Math.round(255 - 128 * t), Math.round(255 - 241 * t)] : [Math.round(255 + 224 * t), Math.round(255 + 136 * t), Math.round(255 + 75 * t)];
}

/** A small heatmap: `values` row-major, `w`×`h`, drawn bottom row first so y grows upwards. */
function heatmap(values: number[], w: number, h: number, scale: number, px = 4, flipY = true): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  c.style.width = `${w * px}px`; c.style.height = `${h * px}px`;
  const img = c.getContext('2d')!.createImageData(w, h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const [r, g, b] = colour(values[j * w + i]!, scale);
      const at = 4 * ((flipY ? h - 1 - j : j) * w + i);
      img.data.set([r, g, b, 255], at);
    }
  }
  c.getContext('2d')!.putImageData(img, 0, 0);
  return c;
}

function showNeurons(s: Snapshot): void {
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

/**
 * The network: edges as lines (width ∝ |w|, orange positive, blue negative; hover shows the weight,
 * a click edits it), and each input and hidden unit as a heatmap of its output over the input
 * space, enlarged on hover (the output unit's is the plot itself); the inputs named.
 */
function showNetwork(s: Snapshot): void {
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

/** A vector or matrix as a bracketed table of numbers (at most 6×6 shown). */
function matrix(m: number[][] | number[], column = false): string {
  const rows = (Array.isArray(m[0]) ? m : column ? (m as number[]).map((v) => [v]) : [m]) as number[][];
  const cut = <T>(a: T[]): T[] => a.slice(0, 6);
  const body = cut(rows).map((r) => `<tr>${cut(r).map((v) => `<td>${fmt(v)}</td>`).join('')}${r.length > 6 ? '<td>…</td>' : ''}</tr>`).join('') + (rows.length > 6 ? '<tr><td>⋮</td></tr>' : '');
  return `<table class="matrix">${body}</table>`;
}

/** The course's reading of train against test error, in words (classification with a test set only). */
function showBiasVariance(s: Snapshot): void {
  const el = $('bias-variance');
  const bv = s.biasVariance;
  if (!bv) { el.textContent = ''; return; }
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  el.textContent = `Bias/variance: train error ${pct(bv.trainError)}, test error ${pct(bv.devError)}: ${bv.diagnosis}; ${bv.advice}.`;
  el.dataset.diagnosis = bv.diagnosis;
}

// MathML for the course's symbols: a letter with its layer as a superscript, Z⁽¹⁾ written Z^[1].
const mi = (t: string): string => `<mi>${t}</mi>`;
/** An operator; brackets keep their size (stretched ones dwarf the symbols inside). */
const mo = (t: string): string => `<mo${'()[]'.includes(t) ? ' stretchy="false"' : ''}>${t}</mo>`;
const layerSym = (name: string, l: number | string): string => `<msup>${mi(name)}<mrow>${mo('[')}<mn>${l}</mn>${mo(']')}</mrow></msup>`;
const dSym = (name: string, l: number | string): string => `<mrow>${mi('d')}${layerSym(name, l)}</mrow>`;
const transpose = (m: string): string => `<msup>${m}${mi('T')}</msup>`;
const overM = `<mfrac><mn>1</mn>${mi('m')}</mfrac>`;
const gPrime = (l: number | string, act: string): string => `<msup><msup>${mi('g')}<mrow>${mo('[')}<mn>${l}</mn>${mo(']')}</mrow></msup>${mo('′')}</msup>${mo('(')}${layerSym('Z', l)}${mo(')')}<mtext>&nbsp;(${act}′)</mtext>`;
const math = (body: string): string => `<math display="block">${body}</math>`;

/**
 * The explain panel: for each layer, the course's equation typeset in MathML, then its numbers for
 * the example or the mini-batch chosen, with the examples as columns as the course stacks them.
 */
function showExplain(s: Snapshot): void {
  const e = s.explain;
  const L = e.layers.length;
  const prevA = (l: number): string => (l === 1 ? mi('X') : layerSym('A', l - 1));
  const eq = (tex: string, ...values: string[]): string => `<div class="eq">${math(tex)}${values.length ? `<div class="values">= ${values.join(' ')}</div>` : ''}</div>`;
  const forward = e.layers.map((layer, i) => {
    const l = i + 1;
    return eq(`${layerSym('Z', l)}${mo('=')}${layerSym('W', l)}${prevA(l)}${mo('+')}${layerSym('b', l)}`,
      matrix(layer.W), '·', matrix(i === 0 ? e.X : e.layers[i - 1]!.A), '+', matrix(layer.b, true), '=', matrix(layer.Z))
      + eq(`${layerSym('A', l)}${mo('=')}<msup>${mi('g')}<mrow>${mo('[')}<mn>${l}</mn>${mo(']')}</mrow></msup>${mo('(')}${layerSym('Z', l)}${mo(')')}<mtext>&nbsp;(${layer.activation})</mtext>`, matrix(layer.A));
  });
  const backward = e.layers.map((layer, i) => {
    const l = i + 1;
    const dz = l === L
      ? e.lossForm === 'crossEntropy'
        ? `${dSym('Z', L)}${mo('=')}${layerSym('A', L)}${mo('−')}${mi('Y')}`
        : `${dSym('Z', L)}${mo('=')}<mn>2</mn>${mo('(')}${layerSym('A', L)}${mo('−')}${mi('Y')}${mo(')')}${mo('∗')}${gPrime(L, layer.activation)}`
      : `${dSym('Z', l)}${mo('=')}${transpose(layerSym('W', l + 1))}${dSym('Z', l + 1)}${mo('∗')}${gPrime(l, layer.activation)}`;
    return eq(dz, matrix(layer.dZ))
      + eq(`${dSym('W', l)}${mo('=')}${overM}${dSym('Z', l)}${transpose(prevA(l))}`, matrix(layer.dW))
      + eq(`${dSym('b', l)}${mo('=')}${overM}<munder>${mo('∑')}<mtext>examples</mtext></munder>${dSym('Z', l)}`, matrix(layer.db, true));
  }).reverse();
  const which = e.of === 'batch' ? `the first mini-batch, m = ${e.m} examples as the columns of X` : `training example ${Number(e.of) + 1} (m = 1)`;
  $('explain').innerHTML = `<p>The course's equations for the network on screen, each followed by its numbers for ${which}, after epoch ${s.epoch}.</p>
<div class="values">X = ${matrix(e.X)} &nbsp; Y = ${matrix(e.Y)} &nbsp; cost J = ${fmt(e.cost)}</div>
<h4>Forward</h4>${forward.join('')}
<h4>Backward</h4>${backward.join('')}`;
}

// ── Digits ──────────────────────────────────────────────────────────────────────────────────

let drawing = false;
let inked = false;

function wireDigits(): void {
  $('digits-load').onclick = () => {
    $('digits-status').textContent = 'loading the digits…';
    sendDigits({ type: 'digits-load', model: settings.digitModel, seed: settings.seed });
  };
  $('digits-train').onclick = () => {
    if ($('digits-status').dataset.ready !== '1') $('digits-status').textContent = 'loading the digits…';
    sendDigits({ type: 'digits-train', epochs: Number(($('digits-epochs') as HTMLInputElement).value) || 1, model: settings.digitModel, seed: settings.seed });
  };
  $('digits-stop').onclick = () => sendDigits({ type: 'digits-stop' });
  $('digits-export').onclick = () => sendDigits({ type: 'export' });
  const pad = $('draw') as HTMLCanvasElement;
  const ctx = pad.getContext('2d')!;
  const clear = (): void => { ctx.fillStyle = 'black'; ctx.fillRect(0, 0, pad.width, pad.height); inked = false; $('probs').replaceChildren(); };
  clear();
  $('clear-drawing').onclick = clear;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  pad.onpointerdown = (e) => { drawing = true; const [x, y] = at(e); ctx.beginPath(); ctx.moveTo(x, y); pad.setPointerCapture(e.pointerId); };
  pad.onpointermove = (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    ctx.strokeStyle = 'white'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.lineTo(x, y); ctx.stroke();
    inked = true;
  };
  pad.onpointerup = () => { drawing = false; if (inked) sendDigits({ type: 'digits-predict', pixels: digitPixels(pad) }); };
}

/**
 * The drawing as MNIST-style input: the ink's bounding box scaled to fit 20×20, centred in 28×28,
 * values in [0, 1] (MNIST digits are prepared the same way).
 */
function digitPixels(pad: HTMLCanvasElement): Float32Array {
  const src = pad.getContext('2d')!.getImageData(0, 0, pad.width, pad.height).data;
  let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++) {
    if (src[4 * (y * pad.width + x)]! > 40) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  }
  const out = new Float32Array(784);
  if (x1 < 0) return out;
  const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const small = document.createElement('canvas');
  small.width = 28; small.height = 28;
  const s = small.getContext('2d')!;
  s.fillStyle = 'black'; s.fillRect(0, 0, 28, 28);
  s.imageSmoothingQuality = 'high';
  const w = (20 * (x1 - x0 + 1)) / side, h = (20 * (y1 - y0 + 1)) / side;
  s.drawImage(pad, x0, y0, x1 - x0 + 1, y1 - y0 + 1, (28 - w) / 2, (28 - h) / 2, w, h);
  const px = s.getImageData(0, 0, 28, 28).data;
  for (let i = 0; i < 784; i++) out[i] = px[4 * i]! / 255;
  return out;
}

function showDigitsView(v: DigitsView): void {
  $('digits-accuracy').textContent = v.testAccuracy === null ? 'not trained yet' : `${(100 * v.testAccuracy).toFixed(2)}% of the test digits after ${v.epoch} epoch${v.epoch === 1 ? '' : 's'}`;
  $('digits-accuracy').dataset.accuracy = String(v.testAccuracy ?? '');
  const scaleOf = (a: number[]): number => Math.max(1e-6, ...a.map(Math.abs));
  $('filters').replaceChildren(...v.filters.values.map((f) => heatmap(f, v.filters.size, v.filters.size, scaleOf(f), v.filters.size > 10 ? 2 : 8, false)));
  const m = v.sample.maps;
  $('feature-maps').replaceChildren(
    heatmap(v.sample.pixels, 28, 28, 1, 3, false),
    ...m.values.map((f) => heatmap(f, m.width, m.height, scaleOf(f), m.height === 1 ? 2 : 3, false)),
  );
  if (v.confusion) showConfusion(v.confusion);
  if (v.confusion) {
    $('wrong-digits').replaceChildren(...v.wrong.map((w) => {
      const item = document.createElement('figure');
      item.className = 'wrong';
      const cap = Object.assign(document.createElement('figcaption'), { textContent: `${w.label} → ${w.predicted}` });
      item.append(heatmap(w.pixels, 28, 28, 1, 2, false), cap);
      return item;
    }));
  }
}

/** The confusion matrix as a table: right answers shaded green on the diagonal, mistakes red by how many. */
function showConfusion(counts: number[][]): void {
  const most = Math.max(1, ...counts.flatMap((row, t) => row.filter((_, p) => p !== t)));
  const table = document.createElement('table');
  table.className = 'confusion';
  const head = table.insertRow();
  head.append(Object.assign(document.createElement('th'), { textContent: '' }), ...counts.map((_, p) => Object.assign(document.createElement('th'), { textContent: String(p) })));
  counts.forEach((row, t) => {
    const tr = table.insertRow();
    tr.append(Object.assign(document.createElement('th'), { textContent: String(t) }));
    row.forEach((n, p) => {
      const td = tr.insertCell();
      td.textContent = String(n);
      td.style.background = t === p ? '#e3f2e1' : n > 0 ? `rgba(214, 39, 40, ${(0.1 + (0.6 * n) / most).toFixed(2)})` : '';
    });
  });
  $('confusion').replaceChildren(table);
  $('confusion').dataset.total = String(counts.flat().reduce((a, b) => a + b, 0));
}

function showProbs(probs: number[]): void {
  const best = probs.indexOf(Math.max(...probs));
  $('probs').replaceChildren(...probs.map((p, d) => {
    const row = document.createElement('div');
    row.className = `prob${d === best ? ' best' : ''}`;
    row.dataset.p = String(p);
    row.innerHTML = `<span>${d}</span><span class="bar" style="width:${(100 * p).toFixed(1)}%"></span><span>${(100 * p).toFixed(1)}%</span>`;
    return row;
  }));
}

// ── Messages from the workers ───────────────────────────────────────────────────────────────

function onWorkerMessage(e: MessageEvent<FromWorker>): void {
  const m = e.data;
  switch (m.type) {
    case 'ready':
      inputNames = m.info.inputNames;
      // With no hold-out (the course's beans), the "test" curves measure the training set itself.
      {
        const targets = m.info.classes === 0 ? 'real targets (regression)' : `${m.info.classes} classes`;
        $('data-info').textContent = settings.testFraction > 0
          ? `${m.info.train} training and ${m.info.test} test examples, ${targets}`
          : `${m.info.train} training examples, no test set (the test figures are the training set's), ${targets}`;
      }
      $('activation').innerHTML = m.activation;
      $('backend').textContent = `Kiln ${m.backend}`;
      pendingSnapshot = { snapshot: m.snapshot, compare: m.compare };
      return;
    case 'snapshot':
      pendingSnapshot = { snapshot: m.snapshot, compare: m.compare };
      if (!m.playing && playing) { playing = false; showPlaying(); }
      return;
    case 'error':
      if (m.during === 'play') { playing = false; showPlaying(); }
      message(`${m.during === 'reset' ? 'Cannot use these settings: ' : ''}${m.message}`);
      return;
    case 'exported': {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      a.download = m.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      return;
    }
    case 'imported':
      message(`Loaded the model file into the ${m.target === 'digits' ? 'digits model' : 'network'}.`, 'info');
      return;
    case 'digits-ready':
      $('digits-status').textContent = `${m.train} training and ${m.test} test digits loaded; ${settings.digitModel} ready`;
      $('data-info').textContent = `${m.train.toLocaleString('en-US')} training and ${m.test.toLocaleString('en-US')} test digits (a fixed split), 10 classes`;
      $('digits-status').dataset.ready = '1';
      showDigitsView(m.view);
      return;
    case 'digits-progress':
      $('digits-status').textContent = `epoch ${m.epoch}: batch ${m.batch} of ${m.batches}, loss ${fmt(m.loss)}`;
      ($('digits-bar') as HTMLProgressElement).value = m.batch / m.batches;
      return;
    case 'digits-backend':
      $('digits-backend').textContent = `Runs on ${m.backend}${m.fallback ? ` (no WebGPU here: ${m.fallback})` : ''}`;
      $('digits-backend').dataset.backend = m.backend.split(':')[0];
      return;
    case 'digits-epoch':
      showDigitsView(m.view);
      if (!m.training) $('digits-status').textContent = `trained: ${m.view.epoch} epoch${m.view.epoch === 1 ? '' : 's'}`;
      if (inked) sendDigits({ type: 'digits-predict', pixels: digitPixels($('draw') as HTMLCanvasElement) });
      return;
    case 'digits-probs':
      showProbs(m.probs);
      return;
  }
}
worker.onmessage = onWorkerMessage;
digitsWorker.onmessage = onWorkerMessage;
worker.onerror = (e) => message(`The training worker failed: ${e.message}`);
digitsWorker.onerror = (e) => message(`The digits worker failed: ${e.message}`);

showSettings();
wireControls();
drawLoop();
if (loaded.warnings.length > 0) message(loaded.warnings.join('\n'));
reset();
