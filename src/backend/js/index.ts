import type { Backend, Kernels } from '../backend.js';
import { hostTransfers } from '../host.js';
import { conv2d, conv2dBackward, conv2dBackwardFilter, conv2dBackwardInput } from './conv.js';
import { binary, clamp, expand, unary, where } from './elementwise.js';
import { copyBlock, gather, indexAdd, indexSelect, permute, scatterAdd, sliceBlock } from './indexing.js';
import { conv2dReluMaxPool, conv2dReluMaxPoolBackward } from './fused.js';
import { matmul } from './matmul.js';
import { alloc, memoryStats, release } from './memory.js';
import { adamStep, rmspropStep, sgdStep } from './optim.js';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { dropoutMask } from './random.js';
import { argReduce, reduce, softmax } from './reduce.js';

/** The reference kernels: every kernel, in plain TypeScript, for float32, float64 and int32. */
export const jsKernels: Kernels = {
  unary, binary, where, expand, clamp,
  reduce, argReduce, softmax,
  matmul,
  permute, gather, scatterAdd, indexSelect, indexAdd, copyBlock, sliceBlock,
  conv2d, conv2dBackwardInput, conv2dBackwardFilter, conv2dBackward, conv2dReluMaxPool, conv2dReluMaxPoolBackward,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward, adaptiveAvgPool2d, adaptiveAvgPool2dBackward,
  dropoutMask,
  sgdStep, rmspropStep, adamStep,
};

/** The reference backend: the js kernels on JavaScript typed arrays. */
export const jsBackend: Backend = {
  name: 'js',
  onDevice: false,
  minReleasable: Infinity, alloc, release, memoryStats,
  ...hostTransfers,
  ...jsKernels,
};
