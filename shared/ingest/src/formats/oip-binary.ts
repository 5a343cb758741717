import { BodyError, isObject } from '../rows.js'
import { rawValues } from './raw.js'

// The Open Inference Protocol's binary-tensor extension over HTTP (Triton's clients use it by
// default): the body is the JSON request or response, then the tensors' bytes, each tensor saying
// how many in `parameters.binary_data_size`, in the order of the tensors. The length of the JSON
// travels in the `Inference-Header-Content-Length` header, which a logged body may have lost, so
// without it the JSON's end is found by scanning.

/** The offset just past the top-level JSON object at the start of `b`, if it closes. */
function jsonEnd(b: Buffer): number | undefined {
  let depth = 0
  let inString = false
  for (let i = 0; i < b.length; i++) {
    const c = b[i]
    if (inString) {
      if (c === 0x5c)
        i++ // a backslash: the next byte is escaped
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return undefined
}

/**
 * A body of JSON followed by binary tensors as the plain JSON body it stands for (each tensor's
 * `data` read from its bytes), or undefined when it is not one (no JSON object first, or nothing
 * after it). Throws a BodyError naming the tensor whose bytes do not fit.
 */
export function binaryTensorBody(bytes: Buffer, headerLength?: number): Record<string, unknown> | undefined {
  if (bytes[0] !== 0x7b) return undefined
  const end = headerLength ?? jsonEnd(bytes)
  if (end === undefined || end >= bytes.length) return undefined
  let header: unknown
  try {
    header = JSON.parse(bytes.toString('utf8', 0, end))
  } catch (err) {
    throw new BodyError(`the JSON before the binary tensors does not parse: ${(err as Error).message}`)
  }
  if (!isObject(header)) throw new BodyError('the JSON before the binary tensors is not an object')
  let at = end
  const body: Record<string, unknown> = { ...header }
  for (const key of ['inputs', 'outputs'] as const) {
    const tensors = header[key]
    if (!Array.isArray(tensors)) continue
    body[key] = tensors.map((t: unknown, i) => {
      if (!isObject(t) || !isObject(t.parameters) || t.parameters.binary_data_size === undefined) return t
      const { binary_data_size: size, ...parameters } = t.parameters
      const where = `${key}[${i}] (${String(t.name)})`
      if (!Number.isInteger(size) || (size as number) < 0)
        throw new BodyError(`${where}.parameters.binary_data_size: expected a byte count`)
      if (at + (size as number) > bytes.length)
        throw new BodyError(`${where}: ${size} bytes of binary data, ${bytes.length - at} left in the body`)
      const shape = Array.isArray(t.shape) ? (t.shape as number[]) : []
      const count = shape.reduce((p, d) => p * d, 1)
      const data = rawValues(bytes.subarray(at, at + (size as number)), String(t.datatype), count, where)
      at += size as number
      const { parameters: _, ...rest } = t
      return { ...rest, data, ...(Object.keys(parameters).length ? { parameters } : {}) }
    })
  }
  if (at !== bytes.length) throw new BodyError(`${bytes.length - at} bytes after the tensors' binary data`)
  return body
}
