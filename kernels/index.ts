// The wasm backend's kernels (compiled by `npm run build` with AssemblyScript, SIMD enabled).
export { gemm, gemmPrepacked, gemmPackA, gemmPackB, gemmScratchBytes, gemmTileCols, gemmTileRows, packedABytes, packedBBytes } from './gemm';
export { conv2dForward, conv2dBackwardRun, convWorkBytes } from './conv';

/** Where the host may start placing data: after this module's own static data. */
export const HEAP_START: usize = __heap_base;
export { maxPool2d, maxPool2dBackward, avgPool2d } from './pool';
export { windowFields } from './window';
export { relu, reluGrad, sumParts } from './elementwise';
export { adamStep, adamStepChunk, rmspropStep } from './optim';
