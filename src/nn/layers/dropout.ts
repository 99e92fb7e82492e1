import type { Tensor } from '../../tensor/tensor.js';
import { checkRange } from '../../validate.js';
import { dropout } from '../functional.js';
import { ShapePreserving } from '../module.js';
import type { ModuleConfig } from '../module.js';

/**
 * Inverted dropout: while training, each activation is zeroed with probability `p` and the kept
 * ones are divided by 1 − p; in `eval()` mode it does nothing. The course's keep_prob is 1 − p:
 * keep_prob = 0.8 is `new nn.Dropout(0.2)`.
 */
export class Dropout extends ShapePreserving {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = checkRange('Dropout', 'p (the drop probability, 1 − keep_prob)', p, { min: 0, max: 1, maxOpen: true });
  }
  forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  override toConfig(): ModuleConfig { return { type: 'Dropout', p: this.p }; }
  static fromConfig(c: ModuleConfig): Dropout { return new Dropout(c.p as number); }
}
