import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { cat } from '../../ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt } from '../../validate.js';
import { fromConfig } from '../config.js';
import { Module } from '../module.js';
import type { ModuleConfig } from '../module.js';

/**
 * Parallel branches over the same input, joined along `dim` (default 1: the channels or
 * features), as in an Inception module. Children named by position: `0.weight`, `1.0.bias`.
 * @example new nn.Concat([new nn.Conv2d(8, 4, 1), new nn.Conv2d(8, 4, 3, { padding: 1 })])
 */
export class Concat extends Module {
  readonly branches: Module[];

  constructor(branches: Module[], readonly dim = 1) {
    super();
    if (!Array.isArray(branches) || branches.length < 1) throw new ValueError('Concat: pass an array of at least one branch (Modules)');
    branches.forEach((b, i) => { if (!(b instanceof Module)) throw new ValueError(`Concat: branch ${i} is not a Module`); });
    checkInt('Concat', 'dim', dim, -64);
    this.branches = branches;
  }

  override namedChildren(): [string, Module][] {
    return this.branches.map((b, i) => [String(i), b]);
  }

  forward(x: Tensor): Tensor {
    return cat(this.branches.map((b) => b.forward(x)), this.dim);
  }

  override outputShape(input: readonly number[]): number[] {
    return concatShape(this.branches.map((b) => b.outputShape(input)), this.dim, 'Concat');
  }

  override toConfig(): ModuleConfig {
    return { type: 'Concat', branches: this.branches.map((b) => b.toConfig()), dim: this.dim };
  }

  static fromConfig(c: ModuleConfig): Concat {
    if (!Array.isArray(c.branches)) throw new ValueError('Concat.fromConfig: "branches" must be an array of layer configs');
    return new Concat(c.branches.map((b) => fromConfig(b as ModuleConfig)), c.dim === undefined ? 1 : (c.dim as number));
  }
}

/** The shape of shapes joined along `dim`: every other size must match. */
export function concatShape(shapes: readonly (readonly number[])[], dim: number, op: string): number[] {
  const first = shapes[0]!;
  const d = dim < 0 ? dim + first.length : dim;
  if (d < 0 || d >= first.length) throw new ShapeError(`${op}: dim ${dim} is out of range for ${fmtShape(first)}`);
  const out = [...first];
  for (const s of shapes.slice(1)) {
    if (s.length !== first.length || s.some((v, i) => i !== d && v !== first[i])) {
      throw new ShapeError(`${op}: cannot join ${fmtShape(s)} with ${fmtShape(first)} along dim ${d}: the other sizes differ`);
    }
    out[d]! += s[d]!;
  }
  return out;
}
