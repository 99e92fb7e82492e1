import type { Tensor } from '../../tensor/tensor.js';
import { flatten } from '../functional.js';
import { Module } from '../module.js';
import type { ModuleConfig } from '../module.js';

/** Flattens each example: [N, C, H, W] → [N, C·H·W] (dims startDim…endDim, default 1…−1). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
  override toConfig(): ModuleConfig { return { type: 'Flatten', startDim: this.startDim, endDim: this.endDim }; }
  static fromConfig(c: ModuleConfig): Flatten { return new Flatten(c.startDim as number, c.endDim as number); }
}
