import { normalizeDim } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { flatten } from '../functional.js';
import { Module } from '../module.js';
import type { ModuleConfig } from '../module.js';

/** Flattens each example: [N, C, H, W] → [N, C·H·W] (dims startDim…endDim, default 1…−1). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
  override outputShape(input: readonly number[]): number[] {
    const s = normalizeDim(this.startDim, input.length, 'flatten');
    const e = normalizeDim(this.endDim, input.length, 'flatten');
    return [...input.slice(0, s), input.slice(s, e + 1).reduce((a, b) => a * b, 1), ...input.slice(e + 1)];
  }
  override toConfig(): ModuleConfig { return { type: 'Flatten', startDim: this.startDim, endDim: this.endDim }; }
  static fromConfig(c: ModuleConfig): Flatten { return new Flatten(c.startDim as number, c.endDim as number); }
}
