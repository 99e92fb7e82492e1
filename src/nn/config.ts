import { FormatError } from '../errors.js';
import { Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Tanh } from './layers/activations.js';
import { BatchNorm1d, BatchNorm2d } from './layers/batch-norm.js';
import { Conv2d } from './layers/conv2d.js';
import { Dropout } from './layers/dropout.js';
import { Flatten } from './layers/flatten.js';
import { Linear } from './layers/linear.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './layers/pool.js';
import { Sequential } from './layers/sequential.js';
import { Residual } from './layers/residual.js';
import { Concat } from './layers/concat.js';
import { Graph } from './layers/graph.js';
import type { Module, ModuleConfig } from './module.js';

/** Builds a module from its config (see `registerModule`). */
export type Factory = (config: ModuleConfig) => Module;

// Factories are wrapped in arrows: Sequential imports this file, so its class is not yet defined
// while this module first runs.

const registry = new Map<string, Factory>([
  ['Linear', (c) => Linear.fromConfig(c)],
  ['Identity', (c) => Identity.fromConfig(c)],
  ['Sigmoid', (c) => Sigmoid.fromConfig(c)],
  ['Tanh', (c) => Tanh.fromConfig(c)],
  ['ReLU', (c) => ReLU.fromConfig(c)],
  ['LeakyReLU', (c) => LeakyReLU.fromConfig(c)],
  ['PReLU', (c) => PReLU.fromConfig(c)],
  ['Softmax', (c) => Softmax.fromConfig(c)],
  ['LogSoftmax', (c) => LogSoftmax.fromConfig(c)],
  ['Flatten', (c) => Flatten.fromConfig(c)],
  ['Dropout', (c) => Dropout.fromConfig(c)],
  ['Conv2d', (c) => Conv2d.fromConfig(c)],
  ['MaxPool2d', (c) => MaxPool2d.fromConfig(c)],
  ['AvgPool2d', (c) => AvgPool2d.fromConfig(c)],
  ['AdaptiveAvgPool2d', (c) => AdaptiveAvgPool2d.fromConfig(c)],
  ['BatchNorm1d', (c) => BatchNorm1d.fromConfig(c)],
  ['BatchNorm2d', (c) => BatchNorm2d.fromConfig(c)],
  ['Sequential', (c) => Sequential.fromConfig(c)],
  ['Residual', (c) => Residual.fromConfig(c)],
  ['Concat', (c) => Concat.fromConfig(c)],
  ['Graph', (c) => Graph.fromConfig(c)],
]);

/** Makes a custom module class loadable by `fromConfig` and `kiln.load`. */
export function registerModule(type: string, factory: Factory): void {
  registry.set(type, factory);
}

/** Re-creates a module (with fresh parameters) from its `toConfig()`. */
export function fromConfig(config: ModuleConfig): Module {
  if (typeof config !== 'object' || config === null || typeof config.type !== 'string') {
    throw new FormatError(`fromConfig: a layer config is an object with a string "type", got ${JSON.stringify(config)}`);
  }
  const factory = registry.get(config.type);
  if (!factory) throw new FormatError(`fromConfig: unknown layer type "${config.type}"; known: ${[...registry.keys()].join(', ')} (register custom ones with nn.registerModule)`);
  return factory(config);
}
