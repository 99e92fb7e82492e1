import { ReLU } from '../nn/layers/activations.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pool.js';
import { Sequential } from '../nn/layers/sequential.js';
import type { Module } from '../nn/module.js';
import { checkInt, checkOptions } from '../validate.js';

/** Filters of each block; every block ends with a 2×2 max pool that halves the size. */
const BLOCKS = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];

/**
 * VGG-16 (Simonyan & Zisserman, 2014): 13 conv 3×3 same layers in 5 blocks (64 → 512 filters),
 * each block closed by max pool 2/2, then 4096 → 4096 → 1000. 224×224×3 input; 138,357,544
 * parameters (553 MB in float32).
 */
export function vgg16(options: { classes?: number } = {}): Sequential {
  checkOptions('vgg16', options, ['classes']);
  const classes = checkInt('vgg16', 'classes', options.classes ?? 1000);
  const layers: Module[] = [];
  let channels = 3;
  for (const block of BLOCKS) {
    for (const filters of block) {
      layers.push(new Conv2d(channels, filters, 3, { padding: 1 }), new ReLU());
      channels = filters;
    }
    layers.push(new MaxPool2d(2));
  }
  layers.push(
    new Flatten(),                                   // 7×7×512 = 25088
    new Linear(25088, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, classes),
  );
  return new Sequential(...layers).withInputShape([3, 224, 224]);
}
