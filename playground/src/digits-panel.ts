import { $, heatmap } from './dom.js';
import { page } from './page-state.js';
import type { DigitsView } from './protocol.js';
import { sendDigits } from './workers.js';

// The digits tab: its buttons, the drawing pad (and the drawing as MNIST input), the filters and
// feature maps, the confusion matrix, the digits it gets wrong, the probabilities of a drawing.

let drawing = false;
export let inked = false;
/** The test digit on the pad, as the model's input; null when the pad holds a drawing (or nothing). */
let sample: Float32Array | null = null;

/** What the pad holds as the model's input: the test digit put there, or the drawing prepared as MNIST's digits are. */
export function padPixels(): Float32Array {
  return sample ?? digitPixels($('draw') as HTMLCanvasElement);
}

export function wireDigits(): void {
  $('digits-load').onclick = () => {
    $('digits-status').textContent = 'loading the digits…';
    sendDigits({ type: 'digits-load', model: page.settings.digitModel, seed: page.settings.seed });
  };
  $('digits-train').onclick = () => {
    if ($('digits-status').dataset.ready !== '1') $('digits-status').textContent = 'loading the digits…';
    sendDigits({ type: 'digits-train', epochs: Number(($('digits-epochs') as HTMLInputElement).value) || 1, model: page.settings.digitModel, seed: page.settings.seed });
  };
  $('digits-stop').onclick = () => sendDigits({ type: 'digits-stop' });
  $('digits-export').onclick = () => sendDigits({ type: 'export' });
  const pad = $('draw') as HTMLCanvasElement;
  const ctx = pad.getContext('2d')!;
  const clear = (): void => {
    ctx.fillStyle = 'black'; ctx.fillRect(0, 0, pad.width, pad.height);
    inked = false; sample = null; $('probs').replaceChildren(); $('pad-note').textContent = '';
  };
  clear();
  $('clear-drawing').onclick = clear;
  $('test-digit').onclick = () => {
    if ($('digits-status').dataset.ready !== '1') {
      $('pad-note').textContent = 'load the digits first (Load, or Train)';
      return;
    }
    sendDigits({ type: 'digits-sample' });
  };
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
    if (sample) { sample = null; $('pad-note').textContent = ''; } // drawn over: the pad is a drawing now
  };
  pad.onpointerup = () => { drawing = false; if (inked) sendDigits({ type: 'digits-predict', pixels: padPixels() }); };
}

/**
 * The drawing as MNIST-style input: the ink's bounding box scaled to fit 20×20, centred in 28×28,
 * values in [0, 1] (MNIST digits are prepared the same way).
 */
export function digitPixels(pad: HTMLCanvasElement): Float32Array {
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

export function showDigitsView(v: DigitsView): void {
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

/** A test digit on the pad, 10 × 10 canvas pixels per pixel, then the model's answer for exactly its pixels. */
export function showSample(pixels: Float32Array, label: number, index: number): void {
  const pad = $('draw') as HTMLCanvasElement, ctx = pad.getContext('2d')!, cell = pad.width / 28;
  ctx.fillStyle = 'black'; ctx.fillRect(0, 0, pad.width, pad.height);
  pixels.forEach((v, i) => {
    if (v <= 0) return;
    const g = Math.round(255 * Math.min(1, v));
    ctx.fillStyle = `rgb(${g},${g},${g})`;
    ctx.fillRect((i % 28) * cell, Math.floor(i / 28) * cell, cell, cell);
  });
  inked = true;
  sample = pixels;
  $('pad-note').textContent = `test digit ${index + 1}: a ${label}`;
  sendDigits({ type: 'digits-predict', pixels });
}

export function showProbs(probs: number[]): void {
  const best = probs.indexOf(Math.max(...probs));
  $('probs').replaceChildren(...probs.map((p, d) => {
    const row = document.createElement('div');
    row.className = `prob${d === best ? ' best' : ''}`;
    row.dataset.p = String(p);
    row.innerHTML = `<span>${d}</span><span class="bar" style="width:${(100 * p).toFixed(1)}%"></span><span>${(100 * p).toFixed(1)}%</span>`;
    return row;
  }));
}
