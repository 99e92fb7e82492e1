// The part of ONNX's protobuf schema (onnx/onnx.proto, IR version 8) that Kiln reads and writes,
// as a protobufjs JSON descriptor: message and field names as in onnx.proto, with its field numbers.
// protobufjs does the encoding and decoding; nothing here touches the wire format.
// protobufjs is loaded on first use (a dynamic import: bundlers split it into a chunk of its own,
// so a page that never touches ONNX never downloads it). It is CommonJS: its default export is the
// namespace.
import type { Type } from 'protobufjs/light.js';

const optional = (type: string, id: number): { type: string; id: number } => ({ type, id });
const repeated = (type: string, id: number): { rule: 'repeated'; type: string; id: number } => ({ rule: 'repeated', type, id });

const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: optional('string', 1), refAttrName: optional('string', 21), docString: optional('string', 13),
            type: optional('AttributeType', 20), f: optional('float', 2), i: optional('int64', 3), s: optional('bytes', 4),
            t: optional('TensorProto', 5), g: optional('GraphProto', 6), floats: repeated('float', 7), ints: repeated('int64', 8),
            strings: repeated('bytes', 9), tensors: repeated('TensorProto', 10), graphs: repeated('GraphProto', 11),
          },
          nested: {
            AttributeType: { values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14 } },
          },
        },
        ValueInfoProto: { fields: { name: optional('string', 1), type: optional('TypeProto', 2), docString: optional('string', 3) } },
        NodeProto: {
          fields: {
            input: repeated('string', 1), output: repeated('string', 2), name: optional('string', 3), opType: optional('string', 4),
            domain: optional('string', 7), attribute: repeated('AttributeProto', 5), docString: optional('string', 6),
          },
        },
        ModelProto: {
          fields: {
            irVersion: optional('int64', 1), opsetImport: repeated('OperatorSetIdProto', 8), producerName: optional('string', 2),
            producerVersion: optional('string', 3), domain: optional('string', 4), modelVersion: optional('int64', 5),
            docString: optional('string', 6), graph: optional('GraphProto', 7), metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: optional('string', 1), value: optional('string', 2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1), name: optional('string', 2), initializer: repeated('TensorProto', 5),
            docString: optional('string', 10), input: repeated('ValueInfoProto', 11), output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1), dataType: optional('int32', 2), floatData: repeated('float', 4), int32Data: repeated('int32', 5),
            int64Data: repeated('int64', 7), name: optional('string', 8), docString: optional('string', 12), rawData: optional('bytes', 9),
            externalData: repeated('StringStringEntryProto', 13), dataLocation: optional('int32', 14), doubleData: repeated('double', 10),
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: optional('int64', 1), dimParam: optional('string', 2), denotation: optional('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: optional('Tensor', 1), denotation: optional('string', 6) },
          nested: { Tensor: { fields: { elemType: optional('int32', 1), shape: optional('TensorShapeProto', 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: optional('string', 1), version: optional('int64', 2) } },
      },
    },
  },
};

/** TensorProto.DataType values Kiln uses. */
export const ONNX_DTYPE = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values Kiln uses. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

let model: Promise<Type> | null = null;

/** The ModelProto message type (protobufjs and the schema are loaded on first use: nothing happens at import). */
export function modelProto(): Promise<Type> {
  model ??= import('protobufjs/light.js').then(({ default: protobuf }) => protobuf.Root.fromJSON(DESCRIPTOR).lookupType('onnx.ModelProto'));
  return model;
}
