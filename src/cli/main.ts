#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { KilnError } from '../errors.js';
import { demoCommand } from './demo.js';
import { trainCommand } from './train.js';
import type { TrainArgs } from './train.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('kiln')
  .description('Kiln: train neural networks in TypeScript, from the course\'s beans to your own CSV')
  .version(version);

program
  .command('demo')
  .description('the course\'s beans example (1-2-1 sigmoid, per-sample SGD, 5000 epochs), then the planar flower with 4 tanh units')
  .option('--out <dir>', 'where to write the SVG plots', 'out/demo')
  .option('--seed <n>', 'random seed', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
    return n;
  }, 0)
  .action(async (o: { out: string; seed: number }) => demoCommand(o));

program
  .command('train')
  .description('train a dense network on a built-in data set (beans, flower, circles, moons, spirals, xor, blobs) or a CSV file')
  .argument('<data>', 'a data set name or a path to a .csv file with a header row')
  .option('--hidden <sizes>', 'hidden layer sizes, comma-separated ("" for none: logistic regression)', '4')
  .option('--activation <name>', 'hidden activation: sigmoid, tanh, relu, leakyRelu, linear', 'tanh')
  .option('--output-activation <name>', 'output activation: sigmoid, softmax, tanh, linear (default: from the loss)')
  .option('--loss <name>', 'mse, bce or crossEntropy (default: from the labels)')
  .option('--optimizer <name>', 'sgd, momentum, rmsprop, adam, adamw', 'adam')
  .option('--lr <rate>', 'learning rate α₀', '0.01')
  .option('--lr-decay <rate>', 'the course\'s decay α = α₀/(1 + rate·epoch); 0 for none', '0')
  .option('--epochs <n>', 'passes over the training set', '500')
  .option('--batch-size <n>', '"full" (batch gradient descent), 1 (stochastic) or a mini-batch size', '32')
  .option('--l2 <lambda>', 'L2 regularisation λ (adds λ/2m·Σ‖W‖² to the cost)', '0')
  .option('--keep-prob <p>', 'dropout keep probability after each hidden layer, in (0, 1]', '1')
  .option('--init <name>', 'weight initialisation: default, zeros, small, xavier, he', 'default')
  .option('--seed <n>', 'random seed', '0')
  .option('--test-split <fraction>', 'fraction held out to test on (0 for none)', '0.2')
  .option('--label <column>', 'the label column of a CSV file', 'label')
  .option('--save <dir>', 'save the trained model (model.json + weights.safetensors) here')
  .option('--plot <dir>', 'write loss.svg and curve.svg (1-D data) or boundary.svg (2-D data) here')
  .action(async (data: string, o: TrainArgs) => trainCommand(data, o));

program.parseAsync(process.argv).catch((e: unknown) => {
  // Kiln's own errors are the user's to fix: print the message, not a stack trace.
  if (e instanceof KilnError) {
    console.error(`kiln: ${e.message}`);
    process.exit(1);
  }
  throw e;
});
