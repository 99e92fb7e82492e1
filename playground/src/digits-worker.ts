/// <reference lib="webworker" />
import * as kiln from 'kiln-ml';
import { DigitsTrainer, digitModel } from './digits.js';
import type { FromWorker, ToDigitsWorker } from './protocol.js';

// The digits' worker: LeNet-5 or an MLP trained on the GPU through WebGPU where the browser has
// it, on the wasm backend otherwise (the page says which, and why). A step never waits for the
// GPU: the loss is read back only when the progress bar shows it, every fifth batch.

declare const self: DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []): void => self.postMessage(m, transfer);

let digits: DigitsTrainer | null = null;
let digitsData: kiln.data.MnistSplit | null = null;
let training = false;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** WebGPU when this browser has an adapter; wasm otherwise, with the reason. Started once. */
const started: Promise<void> = (async () => {
  let fallback: string | null = null;
  try {
    await kiln.setBackend('webgpu');
  } catch (e) {
    fallback = e instanceof Error ? e.message : String(e);
    await kiln.setBackend('wasm');
  }
  post({ type: 'digits-backend', backend: `${kiln.getBackend()}: ${kiln.backendDetail()}`, fallback });
})();

async function train(epochs: number): Promise<void> {
  const d = digits!;
  training = true;
  for (let e = 0; e < epochs && training; e++) {
    const batches = d.batches();
    for (let b = 0; b < batches.length && training; b++) {
      const loss = d.step(batches[b]!.x, batches[b]!.y);
      if (b % 5 === 0 || b === batches.length - 1) {
        post({ type: 'digits-progress', epoch: d.epoch + 1, batch: b + 1, batches: batches.length, loss: await loss.itemAsync() });
        await tick();
      }
    }
    if (!training) break;
    await d.endEpoch();
    post({ type: 'digits-epoch', view: await d.view(), training: e < epochs - 1 && training });
  }
  training = false;
}

/** Fetches the digits (once) and makes a fresh model of the kind asked for. */
async function load(model: Parameters<typeof digitModel>[0], seed: number): Promise<void> {
  if (!digitsData) {
    // `kiln playground` serves the package's digits file at the app's root.
    digitsData = await kiln.data.mnist({ source: new URL(kiln.data.DIGITS_FILE, self.location.href.replace(/assets\/.*$/, '')) });
  }
  kiln.manualSeed(seed);
  digits = new DigitsTrainer(digitsData, digitModel(model));
  post({ type: 'digits-ready', train: digitsData.train.length, test: digitsData.test.length, view: await digits.view() });
}

async function handle(m: ToDigitsWorker): Promise<void> {
  await started;
  switch (m.type) {
    case 'digits-load':
      training = false;
      return load(m.model, m.seed);
    case 'digits-train':
      // Train before Load loads them first, rather than doing nothing.
      if (!digits) await load(m.model, m.seed);
      if (training) return;
      return train(m.epochs);
    case 'digits-stop':
      training = false;
      return;
    case 'digits-sample': {
      // A test digit for the pad: a keyboard's way (and anyone's) to give the model an input.
      if (!digitsData) throw new Error('load the digits first, then ask for a test digit');
      const test = digitsData.test, index = Math.floor(Math.random() * test.length);
      const [pixels, labels] = await Promise.all([test.x.narrow(0, index, 1).data(), test.y.narrow(0, index, 1).data()]);
      post({ type: 'digits-sample', pixels: Float32Array.from(pixels), label: labels[0]!, index });
      return;
    }
    case 'digits-predict':
      if (!digits) throw new Error('load the digits and train a model first, then draw');
      post({ type: 'digits-probs', probs: await digits.probabilities(m.pixels) });
      return;
    case 'export': {
      if (!digits) throw new Error('load the digits and a model first');
      // A GPU's weights are read back first (readableState), then written as one file.
      const bytes = kiln.serializeModelFile(digits.model, { digits: true }, await kiln.readableState(digits.model));
      post({ type: 'exported', bytes, name: 'kiln-digits.safetensors' }, [bytes.buffer]);
      return;
    }
    case 'import': {
      if (!digitsData) throw new Error('load the digits first, then the model file');
      // Built on the current backend: the file's weights are copied onto the GPU when it runs there.
      const { model } = kiln.deserializeModelFile(m.bytes, 'the model file');
      if (!(model instanceof kiln.nn.Sequential)) throw new Error('the model file does not hold a Sequential network');
      digits = new DigitsTrainer(digitsData, model);
      post({ type: 'digits-epoch', view: await digits.view(), training: false });
      post({ type: 'imported', target: 'digits' });
      return;
    }
  }
}

self.onmessage = (e: MessageEvent<ToDigitsWorker>) => {
  handle(e.data).catch((err: unknown) => {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), during: e.data.type });
  });
};
