import type { Backend } from '../backend.js';
import { binary, clamp, unary, where } from './elementwise.js';
import { copyBlock, gather, indexSelect, permute, scatterAdd, sliceBlock } from './indexing.js';
import { matmul } from './matmul.js';
import { adamStep, rmspropStep, sgdStep } from './optim.js';
import { argReduce, reduce, softmax } from './reduce.js';

/** The reference backend: every kernel, in plain TypeScript, for float32, float64 and int32. */
export const jsBackend: Backend = {
  name: 'js',
  unary, binary, where, clamp,
  reduce, argReduce, softmax,
  matmul,
  permute, gather, scatterAdd, indexSelect, copyBlock, sliceBlock,
  sgdStep, rmspropStep, adamStep,
};
