/**
 * Kiln: deep learning for TypeScript. Everything public is re-exported here. This entry is
 * universal: it imports nothing of Node.js, so it runs in browsers and bundles with no
 * configuration; `kiln-ml/node` adds the file system (save and load by path).
 * @example
 * import * as kiln from 'kiln-ml';
 * const x = kiln.tensor([[0.5, 1.0], [1.5, -2.0]]);
 * @module kiln-ml
 */
export { Tensor } from './tensor/tensor.js';
export type { NestedArray } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export {
  tensor, zeros, ones, full, eye, arange, linspace, rand, randn, randint,
  zerosLike, onesLike, fullLike, randLike, randnLike, randintLike,
} from './tensor/creation.js';
export type { CreateOptions, RandomOptions } from './tensor/creation.js';
export { manualSeed, Generator } from './tensor/random.js';
export type { GeneratorState } from './tensor/random.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/tape.js';
export { setBackend, getBackend, registerBackend, listBackends, backendDetail, ready, memory } from './backend/registry.js';
export { setNumThreads, getNumThreads } from './backend/threads.js';
export type { Backend, BinaryOp, MemoryStats, ReduceOp, UnaryOp, Window2d } from './backend/backend.js';
export type { DeviceStorage, HostStorage, Storage } from './tensor/storage.js';
export type { GradFn } from './autograd/tape.js';
export { KilnError, ShapeError, DTypeError, ValueError, FormatError } from './errors.js';
export { where, maximum, minimum } from './ops/elementwise.js';
export { matmul } from './ops/matmul.js';
export { cat, stack } from './ops/shape.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { gradcheck } from './train/gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './train/gradcheck.js';
export { TensorDataset, trainTestSplit, trainDevTestSplit } from './train/dataset.js';
export { exponentiallyWeightedAverage } from './train/ewa.js';
export type { EwaOptions } from './train/ewa.js';
export { biasVariance } from './train/diagnosis.js';
export { confusionMatrix } from './train/confusion.js';
export type { BiasVariance } from './train/diagnosis.js';
export { randomSearch } from './train/search.js';
export type { Distribution, SearchTrial, SearchResult, RandomSearchOptions } from './train/search.js';
export { DataLoader, DEFAULT_BATCH_SIZE } from './train/data-loader.js';
export type { DataLoaderOptions, Batch } from './train/data-loader.js';
export { fit, evaluate, predict } from './train/fit.js';
export type { FitOptions, FitResult, EvaluateOptions, PredictOptions } from './train/fit.js';
export type { YieldEvery } from './train/yield.js';
export { EarlyStopping } from './train/callbacks.js';
export { encodeCheckpoint, restoreCheckpoint } from './train/checkpoint.js';
export type { Checkpointer, TrainingState } from './train/checkpoint.js';
export type { Callback, Logs, TrainContext, EarlyStoppingOptions } from './train/callbacks.js';
export type { MetricName } from './train/metrics.js';
export * as data from './data/index.js';
export { load, loadWithMetadata } from './io/load.js';
export type { LoadedModel } from './io/load.js';
export type { ByteSource } from './io/source.js';
export { serializeModel, deserializeModel, serializeModelFile, deserializeModelFile, readableState } from './io/model-file.js';
export type { ModelJson } from './io/model-file.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export { exportOnnx, registerOnnxExporter, ONNX_OPSETS } from './io/onnx/export.js';
export type { OnnxExportOptions, OnnxExporter, OnnxValue, OnnxGraphBuilder, OnnxNode, OnnxInitializer, OnnxAttribute } from './io/onnx/export.js';
export { importOnnx, ONNX_IMPORT_OPS } from './io/onnx/import.js';
export { loadTorchWeights, torchWeights } from './io/pytorch.js';
export * as viz from './viz/index.js';
export * as models from './models/index.js';
export * as recipes from './nn/recipes.js';
