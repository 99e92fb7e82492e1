import { FormatError } from '../errors.js';
import { describeSource, gunzipIfCompressed, readSource } from '../io/source.js';
import type { ByteSource } from '../io/source.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../train/dataset.js';

// The IDX format of the original MNIST files: two zero bytes, a type code, the number of dims,
// each dim as a big-endian uint32, then the data big-endian. Files may be gzipped.

const TYPES: Record<number, { name: string; bytes: number; read: (v: DataView, at: number) => number }> = {
  0x08: { name: 'uint8', bytes: 1, read: (v, at) => v.getUint8(at) },
  0x09: { name: 'int8', bytes: 1, read: (v, at) => v.getInt8(at) },
  0x0b: { name: 'int16', bytes: 2, read: (v, at) => v.getInt16(at, false) },
  0x0c: { name: 'int32', bytes: 4, read: (v, at) => v.getInt32(at, false) },
  0x0d: { name: 'float32', bytes: 4, read: (v, at) => v.getFloat32(at, false) },
  0x0e: { name: 'float64', bytes: 8, read: (v, at) => v.getFloat64(at, false) },
};

export interface IdxArray { type: string; shape: number[]; data: Float64Array }

/** Parses IDX bytes, checking the header and the size against the file before allocating. */
export function parseIdx(bytes: Uint8Array, what = 'IDX'): IdxArray {
  const fail = (why: string): never => { throw new FormatError(`${what}: not a valid IDX file: ${why}`); };
  if (bytes.length < 4) fail(`it is only ${bytes.length} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) fail('it does not start with two zero bytes (is it gzipped without a .gz name, or another format?)');
  const type = TYPES[view.getUint8(2)] ?? fail(`unknown element type 0x${view.getUint8(2).toString(16)}`);
  const ndim = view.getUint8(3);
  if (ndim === 0) fail('it declares 0 dimensions');
  if (bytes.length < 4 + 4 * ndim) fail(`the header needs ${4 + 4 * ndim} bytes, the file has ${bytes.length}`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (count * type.bytes !== bytes.length - start) {
    fail(`shape [${shape.join(', ')}] of ${type.name} needs ${count * type.bytes} data bytes, the file has ${bytes.length - start} (truncated?)`);
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, start + i * type.bytes);
  return { type: type.name, shape, data };
}

async function readMaybeGzipped(source: ByteSource): Promise<Uint8Array> {
  return gunzipIfCompressed(await readSource(source, 'IDX'), `IDX: ${describeSource(source)}`);
}

/**
 * Reads images and labels in the standard MNIST IDX files (gzipped or not), e.g.
 * `train-images-idx3-ubyte.gz` and `train-labels-idx1-ubyte.gz`. Images become float32
 * [N, 1, H, W] scaled to [0, 1]; labels int32 [N]. Each is bytes, a Blob or File, a Response or a
 * URL (`kiln-ml/node`'s `readIdx` also takes file paths).
 * @example const train = await kiln.data.readIdx('/mnist/train-images-idx3-ubyte.gz', '/mnist/train-labels-idx1-ubyte.gz');
 */
export async function readIdx(imagesSource: ByteSource, labelsSource: ByteSource): Promise<TensorDataset> {
  const [imagesPath, labelsPath] = [describeSource(imagesSource), describeSource(labelsSource)];
  const images = parseIdx(await readMaybeGzipped(imagesSource), imagesPath);
  const labels = parseIdx(await readMaybeGzipped(labelsSource), labelsPath);
  if (images.shape.length !== 3) throw new FormatError(`${imagesPath}: images must be 3-D [N, H, W], got [${images.shape.join(', ')}]`);
  if (labels.shape.length !== 1) throw new FormatError(`${labelsPath}: labels must be 1-D [N], got [${labels.shape.join(', ')}]`);
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new FormatError(`IDX: ${n} images but ${labels.shape[0]} labels`);
  const scale = images.type === 'uint8' ? 1 / 255 : 1;
  return new TensorDataset(
    new Tensor(Float32Array.from(images.data, (v) => v * scale), [n, 1, h, w]),
    new Tensor(Int32Array.from(labels.data), [n]),
  );
}
