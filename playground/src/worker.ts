/// <reference lib="webworker" />
import * as kiln from 'kiln-ml';
import { DigitsTrainer, digitModel } from './digits.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { Trainer, activationCurves } from './trainer.js';

// The training worker: all of Kiln runs here, on the wasm backend, so the page stays responsive.
// Training runs in slices of about 40 ms between which messages (pause, new settings) get in.

declare const self: DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []): void => self.postMessage(m, transfer);

let trainer: Trainer | null = null;
let playing = false;
let digits: DigitsTrainer | null = null;
let digitsData: kiln.data.MnistSplit | null = null;
let digitsTraining = false;
/** Which backend runs Kiln here, and on how many threads (shown in the page's header). */
const backendText = (): string => `${kiln.getBackend()}: ${kiln.backendDetail()}`;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

let epochsPerFrame = 1;

/** Whether the trainer has run the epochs its settings ask for (0: no limit). */
const finished = (t: Trainer): boolean => t.settings.epochs > 0 && t.epoch >= t.settings.epochs;

/**
 * Trains frame by frame (about 30 a second), so the curve or boundary can be watched as it moves;
 * stops by itself after the settings' epochs (the beans' 5,000).
 */
async function play(): Promise<void> {
  while (playing && trainer) {
    const t0 = performance.now();
    if (epochsPerFrame > 0) for (let i = 0; i < epochsPerFrame && playing && !finished(trainer); i++) await trainer.runEpoch();
    else do await trainer.runEpoch(); while (playing && !finished(trainer) && performance.now() - t0 < 30);
    if (finished(trainer)) playing = false;
    post({ type: 'snapshot', snapshot: await trainer.snapshot(), playing });
    await new Promise((r) => setTimeout(r, Math.max(0, 33 - (performance.now() - t0))));
  }
}

async function trainDigits(epochs: number): Promise<void> {
  const d = digits!;
  digitsTraining = true;
  for (let e = 0; e < epochs && digitsTraining; e++) {
    const batches = d.batches();
    for (let b = 0; b < batches.length && digitsTraining; b++) {
      const loss = d.step(batches[b]!.x, batches[b]!.y);
      if (b % 5 === 0 || b === batches.length - 1) {
        post({ type: 'digits-progress', epoch: d.epoch + 1, batch: b + 1, batches: batches.length, loss });
        await tick();
      }
    }
    if (!digitsTraining) break;
    await d.endEpoch();
    post({ type: 'digits-epoch', view: d.view(), training: e < epochs - 1 && digitsTraining, backend: backendText() });
  }
  digitsTraining = false;
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'reset': {
      playing = false;
      trainer = null;
      trainer = new Trainer(m.settings, m.csv);
      post({ type: 'ready', info: trainer.info, activation: [...new Set(m.settings.hidden.map((h) => h.activation))].map(activationCurves).join(''), snapshot: await trainer.snapshot(), backend: backendText() });
      return;
    }
    case 'play':
      if (!trainer || playing) return;
      playing = true;
      return play();
    case 'pause':
      playing = false;
      if (trainer) post({ type: 'snapshot', snapshot: await trainer.snapshot(), playing });
      return;
    case 'speed':
      epochsPerFrame = m.epochsPerFrame;
      return;
    case 'explain':
      if (!trainer) return;
      trainer.explainOf = m.of;
      if (!playing) post({ type: 'snapshot', snapshot: await trainer.snapshot(), playing });
      return;
    case 'step':
      if (!trainer) return;
      playing = false;
      await trainer.runEpoch();
      post({ type: 'snapshot', snapshot: await trainer.snapshot(), playing });
      return;
    case 'export': {
      if (m.target === 'digits' ? !digits : !trainer) throw new Error(m.target === 'digits' ? 'load the digits and a model first' : 'there is no network yet: choose the data first');
      const bytes = m.target === 'digits' ? kiln.serializeModelFile(digits!.model, { digits: true }) : trainer!.exportModel();
      post({ type: 'exported', bytes, name: m.target === 'digits' ? 'kiln-digits.safetensors' : 'kiln-model.safetensors' }, [bytes.buffer]);
      return;
    }
    case 'import':
      if (m.target === 'digits' ? !digitsData : !trainer) throw new Error(m.target === 'digits' ? 'load the digits first, then the model file' : 'choose the data first, then the model file');
      if (m.target === 'network') {
        trainer!.importModel(m.bytes);
        post({ type: 'snapshot', snapshot: await trainer!.snapshot(), playing });
      } else {
        const { model } = kiln.deserializeModelFile(m.bytes, 'the model file');
        if (!(model instanceof kiln.nn.Sequential)) throw new Error('the model file does not hold a Sequential network');
        digits = new DigitsTrainer(digitsData!, model);
        post({ type: 'digits-epoch', view: digits.view(), training: false, backend: backendText() });
      }
      post({ type: 'imported', target: m.target });
      return;
    case 'digits-load':
      digitsTraining = false;
      await loadDigits(m.model, m.seed);
      return;
    case 'digits-train':
      // Train before Load loads them first, rather than doing nothing.
      if (!digits) await loadDigits(m.model, m.seed);
      if (digitsTraining) return;
      return trainDigits(m.epochs);
    case 'digits-stop':
      digitsTraining = false;
      return;
    case 'digits-predict':
      if (!digits) throw new Error('load the digits and train a model first, then draw');
      post({ type: 'digits-probs', probs: await digits.probabilities(m.pixels) });
      return;
  }
}

/** Fetches the digits (once) and makes a fresh model of the kind asked for. */
async function loadDigits(model: Parameters<typeof digitModel>[0], seed: number): Promise<void> {
  if (!digitsData) {
    // `kiln playground` serves the package's digits file at the app's root.
    digitsData = await kiln.data.mnist({ source: new URL(kiln.data.DIGITS_FILE, self.location.href.replace(/assets\/.*$/, '')) });
  }
  kiln.manualSeed(seed);
  digits = new DigitsTrainer(digitsData, digitModel(model));
  post({ type: 'digits-ready', train: digitsData.train.length, test: digitsData.test.length, view: digits.view() });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => {
    if (e.data.type === 'play') playing = false;
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), during: e.data.type });
  });
};
