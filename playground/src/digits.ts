import * as kiln from 'kiln-ml';
import type { Tensor, TensorDataset } from 'kiln-ml';
import type { DigitsView } from './protocol.js';
import type { DigitModel } from './state.js';

// The digits panel's model: LeNet-5 or an MLP on Kiln's MNIST digits (kiln.data.mnist, its fixed
// split), trained with Adam in batches of 64. Values are read back asynchronously, so it runs on
// any backend: WebGPU in the digits worker where the browser has it.

const { nn } = kiln;
/** Test digits the model gets wrong, shown after each epoch. */
const WRONG_SHOWN = 16;

export function digitModel(kind: DigitModel): kiln.nn.Sequential {
  return kind === 'lenet5'
    ? kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' })
    : new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));
}

export class DigitsTrainer {
  readonly optimizer: kiln.optim.Adam;
  epoch = 0;
  testAccuracy: number | null = null;
  /** After an epoch: the test set's confusion matrix, and the first test digits it gets wrong. */
  confusion: number[][] | null = null;
  wrong: DigitsView['wrong'] = [];

  constructor(readonly data: { train: TensorDataset; test: TensorDataset }, readonly model: kiln.nn.Sequential) {
    this.optimizer = new kiln.optim.Adam(model.parameters(), { lr: 1e-3 });
  }

  /** The batches of one epoch, shuffled with the epoch as the seed. */
  batches(): { x: Tensor; y: Tensor }[] {
    return [...new kiln.DataLoader(this.data.train, { batchSize: 64, shuffle: true, seed: this.epoch })];
  }

  /** One Adam step; returns the batch's loss, to read when it is wanted (on a GPU, reading waits for it). */
  step(x: Tensor, y: Tensor): Tensor {
    this.model.train();
    const loss = nn.functional.crossEntropy(this.model.forward(x), y);
    this.optimizer.zeroGrad();
    loss.backward();
    this.optimizer.step();
    return loss;
  }

  async endEpoch(): Promise<void> {
    this.epoch++;
    const test = this.data.test;
    const out = await kiln.predict(this.model, test.x, { batchSize: 500 });
    this.confusion = await kiln.confusionMatrix(out, test.y);
    this.testAccuracy = this.confusion.reduce((s, row, t) => s + row[t]!, 0) / test.length;
    // The first few mistakes, to look at: often digits a person would hesitate over too.
    const [predicted, labels] = await Promise.all([out.argmax(1).data(), test.y.data()]);
    const missed = Array.from(labels.keys()).filter((i) => predicted[i] !== labels[i]).slice(0, WRONG_SHOWN);
    this.wrong = await Promise.all(missed.map(async (i) => ({
      pixels: Array.from(await test.x.narrow(0, i, 1).data()), label: labels[i]!, predicted: predicted[i]!,
    })));
  }

  /** Class probabilities for one 28×28 image (values in [0, 1], ink bright). */
  async probabilities(pixels: Float32Array): Promise<number[]> {
    if (pixels.length !== 784) throw new Error(`a digit is 28×28 = 784 pixels, got ${pixels.length}`);
    return Array.from(await (await kiln.predict(this.model, kiln.tensor(pixels).reshape(1, 1, 28, 28))).softmax(1).data());
  }

  async view(): Promise<DigitsView> {
    const first = this.model.layers.find((l) => l instanceof nn.Conv2d || l instanceof nn.Linear) as kiln.nn.Conv2d | kiln.nn.Linear;
    const w = first.weight;
    const conv = first instanceof nn.Conv2d;
    const size = conv ? w.shape[2]! : 28;
    const count = conv ? w.shape[0]! : 8;
    const per = size * size;
    const weights = await w.data();
    const filters = Array.from({ length: count }, (_, f) => Array.from(weights.subarray(f * per, (f + 1) * per)));
    const x = this.data.test.x.narrow(0, 0, 1);
    const a = kiln.noGrad(() => {
      this.model.eval();
      // The first layer and its activation: LeNet-5's conv1 + ReLU, or the MLP's first Linear + ReLU.
      const upto = this.model.layers.findIndex((l) => l === first) + 1;
      let out = x;
      for (let i = 0; i <= upto; i++) out = this.model.layers[i]!.forward(out);
      return out;
    });
    const values = await a.data();
    const [, F, H, W] = a.shape as number[];
    const maps = conv
      ? { width: W!, height: H!, values: Array.from({ length: F! }, (_, f) => Array.from(values.subarray(f * H! * W!, (f + 1) * H! * W!))) }
      : { width: a.shape[1]!, height: 1, values: [Array.from(values)] };
    return {
      epoch: this.epoch, testAccuracy: this.testAccuracy, confusion: this.confusion, wrong: this.wrong, filters: { size, values: filters },
      sample: { pixels: Array.from(await x.data()), label: (await this.data.test.y.narrow(0, 0, 1).data())[0]!, maps },
    };
  }
}
