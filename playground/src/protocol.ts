import type { DataInfo, Snapshot } from './trainer.js';

export type { Snapshot };
/** Side by side: the second network's snapshot, and what differs in it. */
export interface Compared { label: string; snapshot: Snapshot }
import type { DigitModel, Settings } from './state.js';

// Messages between the page (main.ts) and its two workers: the network's (worker.ts, on the CPU:
// the 2-D networks are too small for a GPU to pay) and the digits' (digits-worker.ts, on WebGPU
// where the browser has it).

export type ToWorker =
  | { type: 'reset'; settings: Settings; csv?: string }
  | { type: 'play' } | { type: 'pause' } | { type: 'step' }
  /** Epochs per frame while playing (about 30 frames a second); 0: as many as fit in the frame. */
  | { type: 'speed'; epochsPerFrame: number }
  /** One weight set by hand (clicked in the network diagram): W[layer][out, in], layers from 1. */
  | { type: 'set-weight'; layer: number; out: number; input: number; value: number }
  /** How the boundary is shaded: by confidence, or by class only. */
  | { type: 'view'; discretize: boolean }
  /** What the explain panel shows: a training example by index, or the first mini-batch. */
  | { type: 'explain'; of: number | 'batch' }
  | { type: 'export' }
  | { type: 'import'; bytes: Uint8Array };

export type ToDigitsWorker =
  | { type: 'export' }
  | { type: 'import'; bytes: Uint8Array }
  | { type: 'digits-load'; model: DigitModel; seed: number }
  | { type: 'digits-train'; epochs: number; model: DigitModel; seed: number } | { type: 'digits-stop' }
  | { type: 'digits-predict'; pixels: Float32Array } | { type: 'digits-sample' };

export interface DigitsView {
  epoch: number;
  testAccuracy: number | null;
  /** The test set's confusion matrix [true][predicted] after the last epoch (null before one). */
  confusion: number[][] | null;
  /** The first test digits it got wrong after the last epoch. */
  wrong: { pixels: number[]; label: number; predicted: number }[];
  /** The first layer's filters (LeNet-5: 6 of 5×5; MLP: the first 8 units' 28×28 weights). */
  filters: { size: number; values: number[][] };
  /** One test digit and the first layer's outputs on it (LeNet-5: 6 maps of 28×28; MLP: 1×units). */
  sample: { pixels: number[]; label: number; maps: { width: number; height: number; values: number[][] } };
}

export type FromWorker =
  /** `activation`: an SVG chart of g and g′ for each activation the hidden layers use. */
  | { type: 'ready'; info: DataInfo; activation: string; snapshot: Snapshot; compare: Compared | null; backend: string }
  | { type: 'snapshot'; snapshot: Snapshot; compare: Compared | null; playing: boolean }
  | { type: 'error'; message: string; during: string }
  | { type: 'exported'; bytes: Uint8Array; name: string }
  | { type: 'imported'; target: 'network' | 'digits' }
  /** Which backend the digits run on, and why not the GPU when they cannot. */
  | { type: 'digits-backend'; backend: string; fallback: string | null }
  | { type: 'digits-ready'; train: number; test: number; view: DigitsView }
  | { type: 'digits-progress'; epoch: number; batch: number; batches: number; loss: number }
  | { type: 'digits-epoch'; view: DigitsView; training: boolean }
  | { type: 'digits-probs'; probs: number[] }
  /** A test digit to put on the drawing pad (28×28 values in [0, 1]) and its label. */
  | { type: 'digits-sample'; pixels: Float32Array; label: number; index: number };
