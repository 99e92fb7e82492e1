import { $, fmt } from './dom.js';
import { showBiasVariance, showExplain } from './explain-panel.js';
import { showNetwork, showNeurons } from './network-view.js';
import { page } from './page-state.js';
import type { Compared } from './protocol.js';
import type { Snapshot } from './trainer.js';

// What the network's snapshots fill: the header's numbers, the plots (network A's, and B's side by
// side) with their boundaries drawn on animation frames, the loss chart, the network, the panels.

/** Everything a snapshot of network A shows. */
export function showSnapshot(s: Snapshot): void {
  $('epoch').textContent = String(s.epoch);
  $('epoch').dataset.epoch = String(s.epoch);
  const last = (a: number[]): string => (a.length ? fmt(a[a.length - 1]!) : '—');
  $('train-loss').textContent = last(s.loss.train);
  $('test-loss').textContent = last(s.loss.test);
  // Regression has no accuracy (NaN): its loss says how close it is.
  const percent = (a: number[]): string => (a.length && Number.isFinite(a.at(-1)) ? `${(100 * a.at(-1)!).toFixed(1)}%` : '—');
  $('train-acc').textContent = percent(s.accuracy.train);
  $('test-acc').textContent = percent(s.accuracy.test);
  // The unrounded values, for tests and anyone scripting the page.
  $('test-loss').dataset.value = String(s.loss.test.at(-1) ?? '');
  $('test-acc').dataset.value = String(s.accuracy.test.at(-1) ?? '');
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
export const plotA = plotView('plot', 'plot-svg', 'boundary');
export const plotB = plotView('plot-b', 'plot-svg-b', 'boundary-b');

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
export let pendingSnapshot: { snapshot: Snapshot; compare: Compared | null } | null = null;

/**
 * Shows the latest snapshot on animation frames only (snapshots that came between two frames are
 * skipped), and draws each boundary on its canvas at the screen's resolution (the grid's cells
 * scaled smoothly, or crisply when discretized), so the page keeps the display's rate however fast
 * the worker trains. Counts frames in #plot's data-frames (the browser test reads it).
 */
export function drawLoop(): void {
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
    ctx.imageSmoothingEnabled = !page.settings.discretize;
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

/** Queues the worker's latest snapshot for the next animation frame. */
export function queueSnapshot(snapshot: Snapshot, compare: Compared | null): void {
  pendingSnapshot = { snapshot, compare };
}
