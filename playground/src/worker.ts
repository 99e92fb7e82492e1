/// <reference lib="webworker" />
import * as kiln from 'kiln-ml';
import type { FromWorker, Snapshot, ToWorker } from './protocol.js';
import { COMPARISON_LABELS, variantOf } from './state.js';
import { Trainer, activationCurves } from './trainer.js';

// The network's training worker: the 2-D networks train here, on the wasm backend (networks of a
// few units on a few hundred points: a GPU's dispatches and read-backs would cost more than the
// arithmetic), so the page stays responsive. Training runs in slices of about 40 ms between which
// messages (pause, new settings) get in. The digits have a worker of their own (digits-worker.ts).

declare const self: DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []): void => self.postMessage(m, transfer);

let trainer: Trainer | null = null;
/** Side by side: the same network with one setting changed, trained epoch for epoch beside it. */
let twin: Trainer | null = null;
let playing = false;
/** Which backend runs Kiln here, and on how many threads (shown in the page's header). */
const backendText = (): string => `${kiln.getBackend()}: ${kiln.backendDetail()}`;

let epochsPerFrame = 1;

/** Whether the trainer has run the epochs its settings ask for (0: no limit). */
const finished = (t: Trainer): boolean => t.settings.epochs > 0 && t.epoch >= t.settings.epochs;

/** One epoch of the network, and of its twin when comparing. */
async function runEpoch(): Promise<void> {
  await trainer!.runEpoch();
  await twin?.runEpoch();
}

/** The network's snapshot, and its twin's when comparing (the loss chart then holds both networks' curves). */
async function snapshots(): Promise<{ snapshot: Snapshot; compare: { label: string; snapshot: Snapshot } | null }> {
  const snapshot = await trainer!.snapshot();
  if (!twin) return { snapshot, compare: null };
  const b = await twin.snapshot();
  const label = `B: ${COMPARISON_LABELS[trainer!.settings.compare as keyof typeof COMPARISON_LABELS]}`;
  snapshot.lossChart = kiln.viz.lineChart({
    title: 'loss: A (these settings) and B', yLabel: trainer!.settings.loss,
    series: [
      { name: 'A train', values: snapshot.loss.train }, { name: 'A test', values: snapshot.loss.test },
      { name: 'B train', values: b.loss.train }, { name: 'B test', values: b.loss.test },
    ],
  });
  return { snapshot, compare: { label, snapshot: b } };
}

/**
 * Trains frame by frame (about 30 a second), so the curve or boundary can be watched as it moves;
 * stops by itself after the settings' epochs (the beans' 5,000).
 */
async function play(): Promise<void> {
  while (playing && trainer) {
    const t0 = performance.now();
    if (epochsPerFrame > 0) for (let i = 0; i < epochsPerFrame && playing && !finished(trainer); i++) await runEpoch();
    else do await runEpoch(); while (playing && !finished(trainer) && performance.now() - t0 < 30);
    if (finished(trainer)) playing = false;
    post({ type: 'snapshot', ...(await snapshots()), playing });
    await new Promise((r) => setTimeout(r, Math.max(0, 33 - (performance.now() - t0))));
  }
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'reset': {
      playing = false;
      trainer = null;
      twin = null;
      trainer = new Trainer(m.settings, m.csv);
      const variant = variantOf(m.settings);
      // Seeded alike: the same data and, unless the comparison is the initialisation, the same first weights.
      twin = variant ? new Trainer(variant, m.csv) : null;
      post({ type: 'ready', info: trainer.info, activation: [...new Set(m.settings.hidden.map((h) => h.activation))].map(activationCurves).join(''), ...(await snapshots()), backend: backendText() });
      return;
    }
    case 'play':
      if (!trainer || playing) return;
      playing = true;
      return play();
    case 'pause':
      playing = false;
      if (trainer) post({ type: 'snapshot', ...(await snapshots()), playing });
      return;
    case 'speed':
      epochsPerFrame = m.epochsPerFrame;
      return;
    case 'set-weight':
      if (!trainer) return;
      trainer.setWeight(m.layer, m.out, m.input, m.value);
      if (!playing) post({ type: 'snapshot', ...(await snapshots()), playing });
      return;
    case 'view':
      if (!trainer) return;
      trainer.discretize = m.discretize;
      if (twin) twin.discretize = m.discretize;
      if (!playing) post({ type: 'snapshot', ...(await snapshots()), playing });
      return;
    case 'explain':
      if (!trainer) return;
      trainer.explainOf = m.of;
      if (!playing) post({ type: 'snapshot', ...(await snapshots()), playing });
      return;
    case 'step':
      if (!trainer) return;
      playing = false;
      await runEpoch();
      post({ type: 'snapshot', ...(await snapshots()), playing });
      return;
    case 'export': {
      if (!trainer) throw new Error('there is no network yet: choose the data first');
      const bytes = trainer.exportModel();
      post({ type: 'exported', bytes, name: 'kiln-model.safetensors' }, [bytes.buffer]);
      return;
    }
    case 'import':
      if (!trainer) throw new Error('choose the data first, then the model file');
      trainer.importModel(m.bytes);
      post({ type: 'snapshot', ...(await snapshots()), playing });
      post({ type: 'imported', target: 'network' });
      return;
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => {
    if (e.data.type === 'play') playing = false;
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), during: e.data.type });
  });
};
