import protobuf from 'protobufjs'
import { BodyError } from '../rows.js'
import { FIXED_WIDTH, rawValues } from './raw.js'

// Open Inference Protocol v2 over gRPC: `inference.ModelInferRequest` / `ModelInferResponse`, as
// Seldon Core 2 writes them to its Kafka topics (and Triton, KServe, MLServer take them). The
// messages are read into the JSON shape of the same protocol, so one decoder (oip.ts) and one
// mapping serve both. Only the fields vigil reads are declared; protobuf skips the others. The
// field numbers are the protocol's (grpc_predict_v2.proto), checked against tritonclient's
// generated classes by shared/ingest/fixtures/generate.py.
const SCHEMA = `
syntax = "proto3";
package inference;
message InferParameter {
  oneof parameter_choice {
    bool bool_param = 1;
    int64 int64_param = 2;
    string string_param = 3;
    double double_param = 4;
    uint64 uint64_param = 5;
  }
}
message InferTensorContents {
  repeated bool bool_contents = 1;
  repeated int32 int_contents = 2;
  repeated int64 int64_contents = 3;
  repeated uint32 uint_contents = 4;
  repeated uint64 uint64_contents = 5;
  repeated float fp32_contents = 6;
  repeated double fp64_contents = 7;
  repeated bytes bytes_contents = 8;
}
message Tensor {
  string name = 1;
  string datatype = 2;
  repeated int64 shape = 3;
  map<string, InferParameter> parameters = 4;
  InferTensorContents contents = 5;
}
message ModelInferRequest {
  string model_name = 1;
  string model_version = 2;
  string id = 3;
  map<string, InferParameter> parameters = 4;
  repeated Tensor inputs = 5;
  repeated bytes raw_input_contents = 7;
}
message ModelInferResponse {
  string model_name = 1;
  string model_version = 2;
  string id = 3;
  map<string, InferParameter> parameters = 4;
  repeated Tensor outputs = 5;
  repeated bytes raw_output_contents = 6;
}
`
// A request's input tensor and a response's output tensor share their first five fields, so one
// message type reads both.

const root = protobuf.parse(SCHEMA, { keepCase: true }).root
const REQUEST = root.lookupType('inference.ModelInferRequest')
const RESPONSE = root.lookupType('inference.ModelInferResponse')
const AS_OBJECT: protobuf.IConversionOptions = { longs: Number, bytes: Buffer, arrays: true, objects: true }

type Parameter = Partial<
  Record<'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param', unknown>
>
type Contents = Partial<Record<string, unknown[]>>
interface Tensor {
  name: string
  datatype: string
  shape: number[]
  parameters: Record<string, Parameter>
  contents?: Contents
}

/** The contents field each datatype travels in. */
const CONTENTS: Record<string, string> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
}

const parameterValue = (p: Parameter) =>
  p.bool_param ?? p.int64_param ?? p.string_param ?? p.double_param ?? p.uint64_param

function parametersJson(ps: Record<string, Parameter>): Record<string, unknown> | undefined {
  const entries = Object.entries(ps)
  return entries.length ? Object.fromEntries(entries.map(([k, p]) => [k, parameterValue(p)])) : undefined
}

function tensorJson(t: Tensor, raw: Buffer | undefined, where: string): Record<string, unknown> {
  const at = `${where} (${t.name || '?'})`
  const count = t.shape.reduce((p, d) => p * d, 1)
  let data: unknown[]
  if (raw) data = rawValues(raw, t.datatype, count, at)
  else {
    const field = CONTENTS[t.datatype]
    if (!field)
      throw new BodyError(
        t.datatype in FIXED_WIDTH
          ? `${at}: ${t.datatype} travels only as raw contents, and the message has none`
          : `${at}: unknown datatype ${t.datatype}`,
      )
    const values = t.contents?.[field] ?? []
    data = t.datatype === 'BYTES' ? values.map((v) => (v as Buffer).toString('utf8')) : values
  }
  const parameters = parametersJson(t.parameters)
  return { name: t.name, datatype: t.datatype, shape: t.shape, data, ...(parameters ? { parameters } : {}) }
}

function message(type: protobuf.Type, bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    return type.toObject(type.decode(bytes), AS_OBJECT)
  } catch (err) {
    throw new BodyError(`not a protobuf ${what}: ${(err as Error).message}`)
  }
}

function common(m: Record<string, unknown>): Record<string, unknown> {
  const parameters = parametersJson(m.parameters as Record<string, Parameter>)
  return {
    ...(m.model_name ? { model_name: m.model_name } : {}),
    ...(m.model_version ? { model_version: m.model_version } : {}),
    ...(m.id ? { id: m.id } : {}),
    ...(parameters ? { parameters } : {}),
  }
}

function tensorsJson(tensors: Tensor[], raw: Buffer[], key: string): Record<string, unknown>[] {
  if (raw.length > 0 && raw.length !== tensors.length)
    throw new BodyError(`${key}: ${raw.length} raw contents for ${tensors.length} tensors`)
  return tensors.map((t, i) => tensorJson(t, raw[i], `${key}[${i}]`))
}

/** A protobuf `ModelInferRequest` as the Open Inference Protocol's JSON request. */
export function inferRequestJson(bytes: Uint8Array): Record<string, unknown> {
  const m = message(REQUEST, bytes, 'ModelInferRequest')
  return {
    ...common(m),
    inputs: tensorsJson(m.inputs as Tensor[], m.raw_input_contents as Buffer[], 'inputs'),
  }
}

/** A protobuf `ModelInferResponse` as the Open Inference Protocol's JSON response. */
export function inferResponseJson(bytes: Uint8Array): Record<string, unknown> {
  const m = message(RESPONSE, bytes, 'ModelInferResponse')
  return {
    ...common(m),
    outputs: tensorsJson(m.outputs as Tensor[], m.raw_output_contents as Buffer[], 'outputs'),
  }
}

/**
 * The protobuf inside a Confluent Schema Registry frame (magic byte 0, a 4-byte schema id, then
 * the message indexes as zigzag varints: a count, then each; a lone 0 is the first message), or
 * the bytes as they are when unframed. A protobuf message cannot start with 0 (field 0 does not
 * exist), so the first byte tells the two apart.
 */
export function unframe(bytes: Buffer): Buffer {
  if (bytes.length === 0 || bytes[0] !== 0) return bytes
  if (bytes.length < 6) throw new BodyError('a Schema Registry frame shorter than its header')
  let at = 5
  const varint = () => {
    let shift = 0
    let n = 0
    for (;;) {
      if (at >= bytes.length) throw new BodyError('a Schema Registry frame ends inside its message indexes')
      const b = bytes[at++]!
      n += (b & 0x7f) * 2 ** shift
      if (!(b & 0x80)) return n
      shift += 7
      if (shift > 35) throw new BodyError('a Schema Registry frame with an overlong message index')
    }
  }
  const count = varint() / 2 // zigzag of a non-negative count
  for (let i = 0; i < count; i++) varint()
  return bytes.subarray(at)
}
