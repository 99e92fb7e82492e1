// Kiln in a web page, imported by its package name. fit() runs on the main thread and yields to the
// event loop every few milliseconds, so the spinner below keeps turning and the boundary is redrawn
// as the network learns. A Stop button aborts training through an AbortSignal.
import * as kiln from 'kiln-ml';

const { nn, optim } = kiln;
const $ = (id) => document.getElementById(id);
const EPOCHS = 1500;
const GRID = 60;

/** What the page's test reads: the losses, the animation frames seen while fit ran, and the end. */
const report = { losses: [], framesDuringFit: [], fitStart: 0, fitEnd: 0, done: false, aborted: false, backend: '' };
window.kilnExample = report;

const data = kiln.data.flower({ seed: 0 });
const xs = data.x.toArray(), ys = data.y.toArray();
const [lo, hi] = [-4.5, 4.5];
const toPx = (v, size) => ((v - lo) / (hi - lo)) * size;

/** The grid of inputs the boundary is drawn from, [GRID², 2]. */
const grid = kiln.tensor(Array.from({ length: GRID * GRID }, (_, k) => {
  const i = k % GRID, j = Math.floor(k / GRID);
  return [lo + ((i + 0.5) / GRID) * (hi - lo), hi - ((j + 0.5) / GRID) * (hi - lo)];
}));

async function drawBoundary(model) {
  const p = await (await kiln.predict(model, grid, { yieldEvery: 'never' })).sigmoid().data();
  const ctx = $('boundary').getContext('2d');
  const cell = ctx.canvas.width / GRID;
  for (let k = 0; k < p.length; k++) {
    const v = p[k];
    ctx.fillStyle = `rgb(${Math.round(255 - 70 * (1 - v))}, ${Math.round(200 + 30 * Math.abs(v - 0.5))}, ${Math.round(255 - 70 * v)})`;
    ctx.fillRect((k % GRID) * cell, Math.floor(k / GRID) * cell, cell + 0.5, cell + 0.5);
  }
  xs.forEach(([a, b], n) => {
    ctx.beginPath();
    ctx.arc(toPx(a, ctx.canvas.width), ctx.canvas.height - toPx(b, ctx.canvas.height), 3, 0, 2 * Math.PI);
    ctx.fillStyle = ys[n][0] === 1 ? '#c62f2f' : '#2f5fc6';
    ctx.fill();
  });
}

function drawLoss(losses) {
  const ctx = $('loss').getContext('2d');
  const { width: w, height: h } = ctx.canvas;
  ctx.clearRect(0, 0, w, h);
  const max = Math.max(...losses);
  ctx.beginPath();
  losses.forEach((l, i) => ctx.lineTo((i / (EPOCHS - 1)) * w, h - (l / max) * (h - 10)));
  ctx.strokeStyle = '#1d2430';
  ctx.stroke();
}

let controller = null;

async function train() {
  controller?.abort();
  controller = new AbortController();
  report.losses = []; report.framesDuringFit = []; report.done = false;
  kiln.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.02 });
  let lastDraw = 0;
  const fitting = { on: true };
  const countFrames = (t) => { if (fitting.on) { report.framesDuringFit.push(t); requestAnimationFrame(countFrames); } };
  requestAnimationFrame(countFrames);
  report.fitStart = performance.now();
  const result = await kiln.fit(model, data, {
    epochs: EPOCHS, batchSize: 'full', optimizer, loss: 'binaryCrossEntropyWithLogits', metrics: ['accuracy'],
    signal: controller.signal,
    onEpochEnd: async (epoch, logs) => {
      report.losses.push(logs.loss);
      if (performance.now() - lastDraw > 100) {
        lastDraw = performance.now();
        await drawBoundary(model);
        drawLoss(report.losses);
        $('status').textContent = `epoch ${epoch + 1}: loss ${logs.loss.toFixed(3)}, accuracy ${(logs.accuracy * 100).toFixed(1)}%`;
      }
    },
  });
  report.fitEnd = performance.now();
  fitting.on = false;
  await drawBoundary(model);
  drawLoss(report.losses);
  const last = result.history.accuracy?.at(-1) ?? 0;
  $('status').textContent = `${result.aborted ? 'stopped' : 'done'} after ${result.epochs} epochs: accuracy ${(last * 100).toFixed(1)}%, ${report.framesDuringFit.length} frames drawn while training (${kiln.getBackend()})`;
  Object.assign(report, { done: true, aborted: result.aborted, accuracy: last, backend: kiln.getBackend() });
}

$('train').onclick = () => train();
$('stop').onclick = () => controller?.abort();

// On a page's main thread the WebAssembly kernels compile asynchronously: ready() does it.
kiln.ready().then(train).catch((e) => { $('status').textContent = `error: ${e.message}`; report.error = String(e); });
