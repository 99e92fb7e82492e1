// ONNX files in and out: ModelProto decoded from and encoded to bytes by the code pbf generates
// from onnx.proto (onnx.generated.ts, built by scripts/build-onnx-proto.mjs). pbf is small (no
// dependencies beyond a schema parser), so ONNX support costs a page a few KB.
import { PbfReader, PbfWriter } from 'pbf';
import type { DeepPartial } from 'pbf';
import { readModelProto, writeModelProto } from './onnx.generated.js';
import type { ModelProto } from './onnx.generated.js';

export type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './onnx.generated.js';

/** TensorProto.DataType values Kiln uses. */
export const ONNX_DTYPE = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values Kiln uses. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** A ModelProto from an ONNX file's bytes (throws on malformed protobuf). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return readModelProto(new PbfReader(bytes), bytes.length) as ModelProto;
}

/** An ONNX file's bytes from a ModelProto. */
export function encodeModel(model: DeepPartial<ModelProto>): Uint8Array {
  const pbf = new PbfWriter();
  writeModelProto(model, pbf);
  return pbf.finish();
}
