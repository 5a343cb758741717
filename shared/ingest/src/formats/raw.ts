import { BodyError } from '../rows.js'

// Tensors in binary form, as the Open Inference Protocol sends them in gRPC's raw contents and in
// HTTP's binary-tensor extension: row-major, fixed-size elements little-endian, BYTES elements
// each behind a 4-byte little-endian length.

/** Bytes per element of a fixed-size datatype in raw contents (little-endian, row-major). */
export const FIXED_WIDTH: Record<string, number> = {
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
  const width = FIXED_WIDTH[datatype]
  if (!width) throw new BodyError(`${where}: unknown datatype ${datatype}`)
  if (raw.length !== width * count)
    throw new BodyError(
      `${where}: raw contents hold ${raw.length} bytes; ${count} ${datatype} values need ${width * count}`,
    )
  return Array.from({ length: count }, (_, i) => element(raw, i * width, datatype))
}
