import { BodyError, type Decoded, describe, isObject, type Row, type Scalar } from '../rows.js'

// Open Inference Protocol v2, JSON (KServe v2, Triton, MLServer, Seldon Core 2): a request holds
// `inputs`, a response `outputs`, each a tensor {name, shape, datatype, data}. The first
// dimension of every shape is the batch: a body of shape [N, …] is N predictions.

const NUMERIC = /^(U?INT(8|16|32|64)|FP(16|32|64))$/

/** Every tensor's values per row: [N] and [N, 1] a scalar per row, [N, K] a vector of K. */
function tensorRows(t: unknown, where: string, columns?: readonly string[]): { name: string; rows: Row[] } {
  if (!isObject(t)) throw new BodyError(`${where}: expected a tensor object {name, shape, datatype, data}`)
  const { name, shape, datatype, data } = t
  if (typeof name !== 'string' || name === '') throw new BodyError(`${where}.name: expected a tensor name`)
  const at = `${where} (${name})`
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new BodyError(`${at}.shape: expected a list of dimensions, the first the batch`)
  if (shape.length > 2)
    throw new BodyError(`${at}.shape [${shape.join(', ')}]: vigil reads [N], [N, 1] or [N, K] tensors`)
  if (typeof datatype !== 'string')
    throw new BodyError(`${at}.datatype: expected BOOL, BYTES, INT*, UINT* or FP*`)
  if (!Array.isArray(data)) throw new BodyError(`${at}.data: expected a list of values`)
  const flat = (data as unknown[]).flat(Number.POSITIVE_INFINITY)
  const size = (shape as number[]).reduce((p, d) => p * d, 1)
  if (flat.length !== size)
    throw new BodyError(`${at}: shape [${shape.join(', ')}] holds ${size} values, data has ${flat.length}`)
  const values = flat.map((v, i) => typed(v, datatype, `${at}.data[${i}]`))
  const [n, k = 1] = shape as number[]
  const rows: Row[] = []
  for (let r = 0; r < n!; r++) {
    const part = values.slice(r * k, (r + 1) * k)
    if (columns && shape.length === 2) {
      if (columns.length !== k)
        throw new BodyError(`${at}: ${k} columns per row, but the mapping names ${columns.length}`)
      rows.push(Object.fromEntries(columns.map((c, j) => [c, part[j]!])))
    } else rows.push({ [name]: shape.length === 2 && k !== 1 ? part : part[0]! })
  }
  return { name, rows }
}

function typed(v: unknown, datatype: string, where: string): Scalar {
  if (datatype === 'BOOL') {
    if (typeof v === 'boolean') return v
    if (v === 0 || v === 1) return v === 1
  } else if (datatype === 'BYTES') {
    if (typeof v === 'string') return v
  } else if (NUMERIC.test(datatype)) {
    if (typeof v === 'number' && Number.isFinite(v)) return v
  } else throw new BodyError(`${where}: unknown datatype ${datatype}`)
  throw new BodyError(`${where}: a ${datatype} tensor cannot hold ${describe(v)}`)
}

/** The tensors of `key` as rows, merged by position: every tensor must hold the same N. */
function rowsOf(
  body: Record<string, unknown>,
  key: 'inputs' | 'outputs',
  columns?: readonly string[],
): Row[] {
  const tensors = body[key]
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new BodyError(`${key}: expected a list of tensors (Open Inference Protocol v2)`)
  // Names for the columns of a single [N, F] input; with several inputs each names itself.
  const parts = tensors.map((t, i) =>
    tensorRows(t, `${key}[${i}]`, tensors.length === 1 ? columns : undefined),
  )
  const n = parts[0]!.rows.length
  const odd = parts.find((p) => p.rows.length !== n)
  if (odd)
    throw new BodyError(
      `${key}: ${odd.name} holds ${odd.rows.length} rows, ${parts[0]!.name} ${n}: the first dimension is the batch`,
    )
  return Array.from({ length: n }, (_, r) => Object.assign({}, ...parts.map((p) => p.rows[r])) as Row)
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

export function decodeOipRequest(body: unknown, columns?: readonly string[]): Decoded {
  if (!isObject(body)) throw new BodyError('expected a JSON object with inputs (Open Inference Protocol v2)')
  const id = text(body.id)
  return { rows: rowsOf(body, 'inputs', columns), ...(id ? { id } : {}) }
}

export function decodeOipResponse(body: unknown): Decoded {
  if (!isObject(body)) throw new BodyError('expected a JSON object with outputs (Open Inference Protocol v2)')
  const [id, modelName, modelVersion] = [text(body.id), text(body.model_name), text(body.model_version)]
  return {
    rows: rowsOf(body, 'outputs'),
    ...(id ? { id } : {}),
    ...(modelName ? { modelName } : {}),
    ...(modelVersion ? { modelVersion } : {}),
  }
}
