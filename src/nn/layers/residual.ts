import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fromConfig } from '../config.js';
import { Module } from '../module.js';
import type { ModuleConfig } from '../module.js';

/**
 * A residual block (He et al., the course's ResNets): block(x) + x, or block(x) + shortcut(x)
 * where the shortcut projects x to the block's shape (a 1×1 convolution, say). Children `block`
 * and `shortcut`: parameters `block.0.weight`, `shortcut.weight`.
 * @example new nn.Residual(new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(8, 8, 3, { padding: 1 })))
 */
export class Residual extends Module {
  constructor(readonly block: Module, readonly shortcut: Module | null = null) {
    super();
    if (!(block instanceof Module)) throw new ValueError('Residual: the block must be a Module');
    if (shortcut !== null && !(shortcut instanceof Module)) throw new ValueError('Residual: the shortcut must be a Module (or null for the identity)');
  }

  override namedChildren(): [string, Module][] {
    return this.shortcut ? [['block', this.block], ['shortcut', this.shortcut]] : [['block', this.block]];
  }

  forward(x: Tensor): Tensor {
    return this.block.forward(x).add(this.shortcut ? this.shortcut.forward(x) : x);
  }

  override outputShape(input: readonly number[]): number[] {
    const y = this.block.outputShape(input), s = this.shortcut ? this.shortcut.outputShape(input) : [...input];
    if (y.length !== s.length || y.some((d, i) => d !== s[i])) {
      throw new ShapeError(`Residual: the block gives ${fmtShape(y)} but the ${this.shortcut ? 'shortcut gives' : 'input is'} ${fmtShape(s)}; they are added, so they must match${this.shortcut ? '' : ' (give a shortcut that projects the input, e.g. a 1×1 Conv2d)'}`);
    }
    return y;
  }

  override toConfig(): ModuleConfig {
    return { type: 'Residual', block: this.block.toConfig(), ...(this.shortcut ? { shortcut: this.shortcut.toConfig() } : {}) };
  }

  static fromConfig(c: ModuleConfig): Residual {
    if (typeof c.block !== 'object' || c.block === null) throw new ValueError('Residual.fromConfig: "block" must be a layer config');
    return new Residual(fromConfig(c.block as ModuleConfig), c.shortcut === undefined ? null : fromConfig(c.shortcut as ModuleConfig));
  }
}
