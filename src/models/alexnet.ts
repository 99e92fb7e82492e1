import { ReLU } from '../nn/layers/activations.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pool.js';
import { Sequential } from '../nn/layers/sequential.js';
import { checkInt, checkOptions } from '../validate.js';

/**
 * AlexNet (Krizhevsky et al., 2012) as the course draws it, on one device: 227×227×3 →
 * conv 11×11/4 ×96 → max 3/2 → conv 5×5 same ×256 → max 3/2 → conv 3×3 same ×384, ×384, ×256 →
 * max 3/2 → 6×6×256 = 9216 → 4096 → 4096 → 1000, ReLU throughout, dropout 0.5 before the dense
 * layers. About 62.4M parameters (62,378,344).
 */
export function alexnet(options: { classes?: number } = {}): Sequential {
  checkOptions('alexnet', options, ['classes']);
  const classes = checkInt('alexnet', 'classes', options.classes ?? 1000);
  return new Sequential(
    new Conv2d(3, 96, 11, { stride: 4 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),      // 55×55×96 → 27×27×96
    new Conv2d(96, 256, 5, { padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),    // 27×27×256 → 13×13×256
    new Conv2d(256, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 256, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),   // 6×6×256
    new Flatten(),
    new Dropout(0.5), new Linear(9216, 4096), new ReLU(),
    new Dropout(0.5), new Linear(4096, 4096), new ReLU(),
    new Linear(4096, classes),
  ).withInputShape([3, 227, 227]);
}
