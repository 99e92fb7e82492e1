#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { KilnError } from '../errors.js';
import { demoCommand } from './demo.js';
import { exportCommand, predictCommand, summaryCommand } from './inspect.js';
import { playgroundCommand } from './playground.js';
import { searchCommand } from './search.js';
import type { SearchArgs } from './search.js';
import { trainCommand } from './train.js';
import type { TrainArgs } from './train.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('kiln')
  .description('Kiln: train neural networks in TypeScript, from the course\'s beans to your own CSV')
  .version(version);

program
  .command('demo')
  .description('the course\'s beans example (1-2-1 sigmoid, per-sample SGD, 5000 epochs), the planar flower with 4 tanh units, and a short LeNet-5 run on handwritten digits')
  .option('--out <dir>', 'where to write the SVG plots', 'out/demo')
  .option('--seed <n>', 'random seed', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
    return n;
  }, 0)
  .action(async (o: { out: string; seed: number }) => demoCommand(o));

/** The options of a training run, shared by `train` and `search`. */
function trainingOptions(command: Command): Command {
  return command
    .option('--model <name>', 'mlp (dense layers) or lenet5 (for mnist)', 'mlp')
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated ("" for none: logistic regression); default 4, or 128,64 for mnist')
    .option('--activation <name>', 'hidden activation: sigmoid, tanh, relu, leakyRelu, linear; default tanh, or relu for mnist')
    .option('--output-activation <name>', 'output activation: sigmoid, softmax, tanh, linear (default: from the loss)')
    .option('--loss <name>', 'mse, bce or crossEntropy (default: from the labels)')
    .option('--optimizer <name>', 'sgd, momentum (the course\'s: v = βv + (1 − β)dW), pytorch-momentum (v = βv + dW), rmsprop, adam, adamw', 'adam')
    .option('--lr <rate>', 'learning rate α₀; default 0.01, or 0.001 for mnist')
    .option('--lr-decay <rate>', 'the course\'s decay α = α₀/(1 + rate·epoch_num), epochs from 1; 0 for none', '0')
    .option('--epochs <n>', 'passes over the training set; default 500, or 3 for mnist')
    .option('--batch-size <n>', '"full" (batch gradient descent), 1 (stochastic) or a mini-batch size', '32')
    .option('--l2 <lambda>', 'L2 regularisation λ (adds λ/2m·Σ‖W[l]‖² to the cost)', '0')
    .option('--l1 <lambda>', 'L1 regularisation λ (adds λ/2m·Σ|W[l]| to the cost)', '0')
    .option('--keep-prob <p>', 'dropout keep probability after each hidden layer, in (0, 1]', '1')
    .option('--init <name>', 'weight initialisation: auto (the course\'s advice: xavier for tanh/sigmoid, he for ReLUs), xavier (N(0, 1/n[l−1])), he (N(0, 2/n[l−1])), small (randn·0.01), zeros, glorot (N(0, 2/(n[l−1] + n[l]))), default (PyTorch\'s U(±1/√n[l−1]))', 'auto')
    .option('--seed <n>', 'random seed', '0')
    .option('--test-split <fraction>', 'fraction held out to test on (0 for none); mnist has its own test set', '0.2')
    .option('--train-size <n>', 'mnist: train on the first n digits only (balanced)')
    .option('--label <column>', 'the label column of a CSV file', 'label')
    .option('--save <dir>', 'save the trained model (model.json + its weights, all or nothing) here')
    .option('--plot <dir>', 'write loss.svg and curve.svg (1-D data) or boundary.svg (2-D data) here')
    .option('--checkpoint <dir>', 'save the whole training state here after every epoch (all or nothing)')
    .option('--resume', 'go on from the --checkpoint directory\'s last state, ending as if never stopped', false);
}

trainingOptions(program
  .command('train')
  .description('train a network on a built-in data set (beans, flower, circles, moons, spirals, xor, blobs, mnist) or a CSV file')
  .argument('<data>', 'a data set name or a path to a .csv file with a header row'))
  .action(async (data: string, o: TrainArgs) => trainCommand(data, o));

trainingOptions(program
  .command('search')
  .description('random search (the course\'s, on a log scale) over the learning rate and the hidden layers; prints each trial, a table and the best setting')
  .argument('<data>', 'a data set name or a path to a .csv file, as for train')
  .option('--trials <n>', 'how many settings to try', '12')
  .option('--lr-range <low:high>', 'the learning rate is drawn log-uniformly from this range', '1e-4:1')
  .option('--hidden-choices <list>', 'hidden layers to choose from, separated by ";" (e.g. "4;8;16,16")'))
  .action(async (data: string, o: SearchArgs) => searchCommand(data, o));

program
  .command('summary')
  .description('each layer\'s output shape and parameter count, with the totals')
  .argument('<model>', 'lenet5, alexnet, vgg16, or a directory written by kiln train --save')
  .option('--input-shape <sizes>', 'one example\'s shape, e.g. 1,28,28 (saved models usually record it)')
  .action(async (target: string, o: { inputShape?: string }) => summaryCommand(target, o));

program
  .command('export')
  .description('write a model as an ONNX file, for ONNX Runtime (Node, browsers, servers) and other frameworks')
  .argument('<model>', 'lenet5, alexnet, vgg16, or a model saved by kiln train --save (a directory or .safetensors file)')
  .requiredOption('--onnx <file>', 'the ONNX file to write')
  .option('--input-shape <sizes>', 'one example\'s shape, e.g. 1,28,28 (saved models usually record it)')
  .option('--opset <n>', 'ONNX opset, 13 to 17', '17')
  .action(async (target: string, o: { onnx: string; inputShape?: string; opset?: string }) => exportCommand(target, o));

program
  .command('predict')
  .description('class probabilities for a grayscale PNG (28×28 or larger; larger images are shrunk)')
  .argument('<model>', 'a directory written by kiln train mnist --save')
  .argument('<image>', 'a PNG image of a digit')
  .action(async (modelDir: string, image: string) => predictCommand(modelDir, image));

program
  .command('playground')
  .description('serve the browser playground (train a network and watch it learn) on this machine')
  .option('--port <n>', 'port to listen on (0: any free port)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
    return n;
  }, 5173)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--allow-remote', 'allow a --host other than this machine (the page is then reachable from the network)', false)
  .action(async (o: { port: number; host: string; allowRemote: boolean }) => playgroundCommand(o));

program.parseAsync(process.argv).catch((e: unknown) => {
  // Kiln's own errors are the user's to fix: print the message, not a stack trace.
  if (e instanceof KilnError) {
    console.error(`kiln: ${e.message}`);
    process.exit(1);
  }
  throw e;
});
