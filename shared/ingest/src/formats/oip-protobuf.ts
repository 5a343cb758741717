import protobuf from 'protobufjs'
import { BodyError } from '../rows.js'

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

/** Bytes per element of a fixed-size datatype in raw contents (little-endian, row-major). */
const WIDTH: Record<string, number> = {
  BOOL: 1,
  INT8: 1,
  UINT8: 1,
  INT16: 2,
  UINT16: 2,
  FP16: 2,
  BF16: 2,
  INT32: 4,
  UINT32: 4,
  FP32: 4,
  INT64: 8,
  UINT64: 8,
  FP64: 8,
}

/** An IEEE 754 half-precision number. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exp = (bits >> 10) & 0x1f
  const frac = bits & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024)
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * 2 ** (exp - 15) * (1 + frac / 1024)
}

function element(b: Buffer, at: number, datatype: string): number | boolean {
  switch (datatype) {
    case 'BOOL':
      return b[at] !== 0
    case 'INT8':
      return b.readInt8(at)
    case 'UINT8':
      return b[at]!
    case 'INT16':
      return b.readInt16LE(at)
    case 'UINT16':
      return b.readUInt16LE(at)
    case 'FP16':
      return half(b.readUInt16LE(at))
    case 'BF16':
      return Buffer.from([0, 0, b[at]!, b[at + 1]!]).readFloatLE(0)
    case 'INT32':
      return b.readInt32LE(at)
    case 'UINT32':
      return b.readUInt32LE(at)
    case 'FP32':
      return b.readFloatLE(at)
    case 'INT64':
      return Number(b.readBigInt64LE(at))
    case 'UINT64':
      return Number(b.readBigUInt64LE(at))
    default:
      return b.readDoubleLE(at)
  }
}

/**
 * A tensor's raw contents (the binary form: `raw_input_contents`, the HTTP binary-tensor
 * extension) as values: fixed-size elements little-endian, BYTES as 4-byte little-endian lengths
 * each followed by its bytes (read as UTF-8 text).
 */
export function rawValues(raw: Buffer, datatype: string, count: number, where: string): unknown[] {
  if (datatype === 'BYTES') {
    const out: string[] = []
    let at = 0
    while (at < raw.length) {
      if (at + 4 > raw.length) throw new BodyError(`${where}: raw BYTES end inside a length prefix`)
      const n = raw.readUInt32LE(at)
      if (at + 4 + n > raw.length)
        throw new BodyError(`${where}: raw BYTES element of ${n} bytes runs past the end`)
      out.push(raw.toString('utf8', at + 4, at + 4 + n))
      at += 4 + n
    }
    if (out.length !== count)
      throw new BodyError(`${where}: raw contents hold ${out.length} BYTES elements, the shape ${count}`)
    return out
  }
  const width = WIDTH[datatype]
  if (!width) throw new BodyError(`${where}: unknown datatype ${datatype}`)
  if (raw.length !== width * count)
    throw new BodyError(
      `${where}: raw contents hold ${raw.length} bytes; ${count} ${datatype} values need ${width * count}`,
    )
  return Array.from({ length: count }, (_, i) => element(raw, i * width, datatype))
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
        t.datatype in WIDTH
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
