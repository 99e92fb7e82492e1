import { wireDigits } from './digits-panel.js';
import { $, message } from './dom.js';
import { page } from './page-state.js';
import {
  ACTIVATIONS, BATCH_MODES, COMPARISONS, COMPARISON_LABELS, DATASETS, DIGIT_MODELS, FEATURES, FEATURE_LABELS, INITS, MAX_LAYERS, MAX_UNITS, OPTIMIZERS, OUTPUTS,
  fromQuery, lossesFor, toQuery, withDataset,
} from './state.js';
import type { Settings } from './state.js';
import { plotA, plotB } from './views.js';
import { send, sendDigits } from './workers.js';

// The controls: every setting's input, written from the settings and changing them (the URL
// follows, and the network starts again), and the run buttons.

function options(select: HTMLSelectElement, values: readonly string[], current: string): void {
  select.replaceChildren(...values.map((v) => new Option(v, v, v === current, v === current)));
}

/** Writes the page.settings into every control (after a load, a data set switch, or a repair). */
export function showSettings(): void {
  options($('dataset') as HTMLSelectElement, DATASETS, page.settings.dataset);
  options($('output') as HTMLSelectElement, OUTPUTS, page.settings.output);
  options($('loss') as HTMLSelectElement, lossesFor(page.settings.output), page.settings.loss);
  options($('init') as HTMLSelectElement, INITS, page.settings.init);
  options($('optimizer') as HTMLSelectElement, OPTIMIZERS, page.settings.optimizer);
  options($('batch') as HTMLSelectElement, BATCH_MODES, page.settings.batch);
  options($('digit-model') as HTMLSelectElement, DIGIT_MODELS, page.settings.digitModel);
  for (const [id, key] of NUMBER_INPUTS) ($(id) as HTMLInputElement).value = String(page.settings[key]);
  for (const out of document.querySelectorAll<HTMLOutputElement>('label.slider output')) out.value = String(page.settings[NUMBER_KEY[out.htmlFor.value]!]);
  ($('show-test') as HTMLInputElement).checked = page.settings.showTest;
  ($('discretize') as HTMLInputElement).checked = page.settings.discretize;
  for (const id of ['plot', 'plot-b']) $(id).classList.toggle('hide-test', !page.settings.showTest);
  const compare = $('compare') as HTMLSelectElement;
  compare.replaceChildren(new Option('off', '', page.settings.compare === '', page.settings.compare === ''), ...COMPARISONS.map((c) => new Option(COMPARISON_LABELS[c], c, c === page.settings.compare, c === page.settings.compare)));
  const layers = $('layers');
  layers.replaceChildren(...page.settings.hidden.map((l, i) => {
    const row = document.createElement('div');
    row.className = 'layer';
    row.innerHTML = `<span>layer ${i + 1}</span><input class="units" type="number" min="1" max="${MAX_UNITS}" value="${l.units}" aria-label="units of layer ${i + 1}"><select class="activation" aria-label="activation of layer ${i + 1}"></select><button class="remove-layer" title="remove this layer">−</button>`;
    options(row.querySelector('select')!, ACTIVATIONS, l.activation);
    row.querySelector<HTMLInputElement>('.units')!.onchange = (e) => {
      const v = Number((e.target as HTMLInputElement).value);
      if (!Number.isInteger(v) || v < 1 || v > MAX_UNITS) return message(`layer ${i + 1} needs 1 to ${MAX_UNITS} units, got ${(e.target as HTMLInputElement).value}`);
      update({ hidden: page.settings.hidden.map((h, j) => (j === i ? { ...h, units: v } : h)) });
    };
    row.querySelector<HTMLSelectElement>('.activation')!.onchange = (e) =>
      update({ hidden: page.settings.hidden.map((h, j) => (j === i ? { ...h, activation: (e.target as HTMLSelectElement).value as typeof h.activation } : h)) });
    row.querySelector<HTMLButtonElement>('.remove-layer')!.onclick = () => update({ hidden: page.settings.hidden.filter((_, j) => j !== i) });
    return row;
  }));
  const digitsMode = page.settings.dataset === 'digits';
  $('network-panel').hidden = digitsMode;
  $('views').hidden = digitsMode;
  $('digits-panel').hidden = !digitsMode;
  $('csv-row').hidden = page.settings.dataset !== 'csv';
  $('run-controls').hidden = digitsMode;
  // The digits have their own split, described once they are loaded (not the last data set's text).
  if (digitsMode) $('data-info').textContent = $('digits-status').dataset.ready === '1' ? $('data-info').textContent : 'MNIST digits: 10,000 real handwritten digits, fetched (1.6 MB) by Load or Train';
  // Points and noise shape the generated sets; the digits come with their own fixed split.
  for (const el of document.querySelectorAll<HTMLElement>('.generated')) el.hidden = digitsMode || page.settings.dataset === 'csv';
  // The beans have no noise setting: the course's generator draws them as they are.
  $('noise').parentElement!.hidden ||= page.settings.dataset === 'beans';
  for (const el of document.querySelectorAll<HTMLElement>('.split')) el.hidden = digitsMode;
  // The inputs: the coordinates, or features made from them (2-D data only).
  $('features').hidden = digitsMode || page.settings.dataset === 'beans';
  $('features').replaceChildren($('features').firstElementChild!, ...FEATURES.map((f) => {
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: page.settings.features.includes(f) });
    box.dataset.feature = f;
    box.onchange = () => {
      const chosen = FEATURES.filter((g) => (g === f ? box.checked : page.settings.features.includes(g)));
      if (chosen.length === 0) { box.checked = true; message('The network needs at least one input.'); return; }
      update({ features: chosen });
    };
    label.append(box, ` ${FEATURE_LABELS[f]}`);
    return label;
  }));
  $('batch-size').parentElement!.hidden = page.settings.batch !== 'mini';
}

const NUMBER_INPUTS: [string, keyof Settings][] = [
  ['samples', 'samples'], ['noise', 'noise'], ['test-fraction', 'testFraction'], ['seed', 'seed'], ['lr', 'lr'], ['decay', 'decay'],
  ['beta1', 'beta1'], ['beta2', 'beta2'], ['eps', 'eps'], ['batch-size', 'batchSize'], ['l2', 'l2'], ['l1', 'l1'], ['keep-prob', 'keepProb'],
  ['epochs', 'epochs'],
];
const NUMBER_KEY: Record<string, keyof Settings> = Object.fromEntries(NUMBER_INPUTS);

/** Applies a change: the URL follows, and the network starts again from its first epoch. */
export function update(change: Partial<Settings>): void {
  const next = { ...page.settings, ...change };
  if (!lossesFor(next.output).includes(next.loss)) next.loss = lossesFor(next.output)[0]!;
  const { settings: checked, warnings } = fromQuery(toQuery(next));
  if (warnings.length > 0) {
    message(warnings.join('\n'));
    showSettings();
    return;
  }
  page.settings = checked;
  history.replaceState(null, '', `${location.pathname}${toQuery(page.settings) ? `?${toQuery(page.settings)}` : ''}`);
  showSettings();
  message('');
  reset();
}

export function reset(): void {
  page.playing = false;
  showPlaying();
  if (page.settings.dataset === 'digits') return;
  if (page.settings.dataset === 'csv' && page.csvText === undefined) {
    message('Choose a CSV file of 2-D points: a header such as x1,x2,label, then one point per row.', 'info');
    return;
  }
  send({ type: 'reset', settings: page.settings, csv: page.csvText });
}

export function showPlaying(): void {
  // ▮▮ and ▶ come from the same Unicode block (Geometric Shapes), which every system font has;
  // ⏸ (Miscellaneous Technical) showed as a missing-glyph box in Chromium on Linux.
  $('play').textContent = page.playing ? '▮▮ Pause' : '▶ Play';
}

export function wireControls(): void {
  ($('dataset') as HTMLSelectElement).onchange = (e) => {
    update(withDataset(page.settings, (e.target as HTMLSelectElement).value as Settings['dataset']));
    if (page.settings.dataset === 'beans') {
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
    page.settings = { ...page.settings, showTest: showTest.checked, discretize: discretize.checked };
    history.replaceState(null, '', `${location.pathname}${toQuery(page.settings) ? `?${toQuery(page.settings)}` : ''}`);
    for (const v of [plotA, plotB]) v.root.classList.toggle('hide-test', !page.settings.showTest);
    send({ type: 'view', discretize: page.settings.discretize });
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
    if (page.settings.hidden.length >= MAX_LAYERS) return message(`at most ${MAX_LAYERS} hidden layers`);
    update({ hidden: [...page.settings.hidden, { units: page.settings.hidden.at(-1)?.units ?? 4, activation: page.settings.hidden.at(-1)?.activation ?? 'tanh' }] });
  };
  $('play').onclick = () => {
    page.playing = !page.playing;
    showPlaying();
    send({ type: page.playing ? 'play' : 'pause' });
  };
  const speed = $('speed') as HTMLSelectElement;
  speed.onchange = () => send({ type: 'speed', epochsPerFrame: Number(speed.value) });
  // The beans as in the course: the curve redrawn every 100 epochs.
  if (page.settings.dataset === 'beans') speed.value = '100';
  send({ type: 'speed', epochsPerFrame: Number(speed.value) });
  $('step').onclick = () => { page.playing = false; showPlaying(); send({ type: 'step' }); };
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
    page.csvText = await file.text();
    message('');
    reset();
  };
  $('export').onclick = () => send({ type: 'export' });
  ($('import') as HTMLInputElement).onchange = async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (page.settings.dataset === 'digits') sendDigits({ type: 'import', bytes }, [bytes.buffer]);
    else send({ type: 'import', bytes }, [bytes.buffer]);
  };
  $('share').onclick = async () => {
    await navigator.clipboard?.writeText(location.href).catch(() => undefined);
    message(`This set-up's link: ${location.href}`, 'info');
  };
  wireDigits();
}
