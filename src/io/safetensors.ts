import { hostArray, placeHost } from '../tensor/storage.js';
import { FormatError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

// The safetensors layout (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__},
// then the raw little-endian data, offsets relative to its start. Python's `safetensors` reads it.

const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };
/** The dtypes read, by safetensors code: I64 (PyTorch's integer default, e.g. batch norm's num_batches_tracked) becomes int32. */
const FROM_CODE: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int32' };
/** Bytes per element in the file, by safetensors code. */
const FILE_BYTES: Record<string, number> = { F32: 4, F64: 8, I32: 4, I64: 8 };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };
/** The largest header we accept; real headers are a few KB. Guards against hostile lengths. */
const MAX_HEADER = 100 * 1024 * 1024;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes named tensors (and string metadata) as safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.size * BYTES[t.dtype];
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // align the data to 8 bytes, as the reference writer does
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    const bytes = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    if (LITTLE_ENDIAN) out.set(bytes, at);
    else writeLittleEndian(t, new DataView(out.buffer, at));
    at += bytes.length;
  }
  return out;
}

function writeLittleEndian(t: Tensor, view: DataView): void {
  for (let i = 0; i < t.size; i++) {
    if (t.dtype === 'float32') view.setFloat32(i * 4, t.values[i]!, true);
    else if (t.dtype === 'float64') view.setFloat64(i * 8, t.values[i]!, true);
    else view.setInt32(i * 4, t.values[i]!, true);
  }
}

/**
 * Decodes safetensors bytes. Every size and offset is checked against the buffer before anything
 * is allocated, so a truncated or hostile file gets a FormatError, never a crash or a huge
 * allocation.
 */
export function decodeSafetensors(bytes: Uint8Array, what = 'weights'): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const fail = (why: string): never => { throw new FormatError(`${what}: not a valid safetensors file: ${why}`); };
  if (bytes.length < 8) fail(`it is ${bytes.length} bytes long, shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) fail(`the header claims ${n} bytes but the file has ${bytes.length - 8} after the length (truncated?)`);
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`the header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Object.values(entry).some((v) => typeof v !== 'string')) fail('__metadata__ must map names to strings');
      metadata = entry as Record<string, string>;
      continue;
    }
    // Assigning "__proto__" to an object changes its prototype instead of adding a key: such a tensor
    // would vanish from the state dict and slip past strict loading.
    if (name === '__proto__') fail('a tensor is named "__proto__", which no model has');
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof e?.dtype === 'string' ? FROM_CODE[e.dtype] : undefined;
    if (!dtype) fail(`tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; Kiln reads F32, F64, I32 and I64 (as int32)`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    if (end < begin || end > dataLen) fail(`tensor "${name}" spans bytes ${begin}…${end} but the data section has ${dataLen} bytes (truncated?)`);
    // Compare the element count in floating point first, so a hostile shape cannot overflow.
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const per = FILE_BYTES[e.dtype as string]!;
    if (count * per !== end - begin) fail(`tensor "${name}" of shape [${(shape as number[]).join(', ')}] needs ${count * per} bytes but its offsets give ${end - begin}`);
    spans.push([begin, end, name]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== covered) fail(`tensor "${name}" starts at byte ${begin}, expected ${covered} (overlapping or gapped data)`);
    covered = end;
  }
  if (covered !== dataLen) fail(`the data section has ${dataLen - covered} bytes that belong to no tensor`);
  for (const [begin, end, name] of spans) {
    const e = (header as Record<string, { dtype: string; shape: number[] }>)[name]!;
    const dtype = FROM_CODE[e.dtype]!;
    const data = hostArray(dtype, (end - begin) / FILE_BYTES[e.dtype]!);
    const src = bytes.subarray(dataStart + begin, dataStart + end);
    if (e.dtype === 'I64') readInt64(src, data, name, fail);
    else if (LITTLE_ENDIAN) new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(src);
    else readLittleEndian(src, data, dtype);
    tensors[name] = new Tensor(placeHost(data), e.shape);
  }
  return { tensors, metadata };
}

function readLittleEndian(src: Uint8Array, out: TypedArray, dtype: DType): void {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < out.length; i++) {
    out[i] = dtype === 'float32' ? view.getFloat32(i * 4, true) : dtype === 'float64' ? view.getFloat64(i * 8, true) : view.getInt32(i * 4, true);
  }
}

/** 64-bit integers into an int32 array; a value beyond int32's range is a FormatError naming the tensor. */
function readInt64(src: Uint8Array, out: TypedArray, name: string, fail: (why: string) => never): void {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < out.length; i++) {
    const v = view.getBigInt64(i * 8, true);
    if (v > 2147483647n || v < -2147483648n) fail(`tensor "${name}" holds the 64-bit integer ${v}, beyond the int32 Kiln keeps integers in`);
    out[i] = Number(v);
  }
}
