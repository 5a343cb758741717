/** A value of a decoded row: a scalar, or a vector (an output of K class probabilities). */
export type Scalar = number | string | boolean | null
export type Value = Scalar | Scalar[]

/** One prediction's inputs or outputs by name, as a body held them. */
export type Row = Record<string, Value>

/** A body decoded: its rows in order (the first dimension is the batch) and what it says of itself. */
export interface Decoded {
  rows: Row[]
  /** The request or response id the body carries (OIP v2 `id`). */
  id?: string
  modelName?: string
  modelVersion?: string
  /** Names of the elements of the rows' `prediction` vector (Seldon's `names`: the classes of predict_proba). */
  classes?: string[]
}

export type Decoding = { ok: true; value: Decoded } | { ok: false; reason: string }

/** Thrown inside a decoder, turned into `{ ok: false }` at its edge: the reason names the field. */
export class BodyError extends Error {}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** A scalar of a body, or an error naming where it was. */
export function scalar(v: unknown, where: string): Scalar {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number' && Number.isFinite(v)) return v
  throw new BodyError(`${where}: expected a number, string, boolean or null, got ${describe(v)}`)
}

/** A row's value: a scalar, or a flat array of scalars. */
export function value(v: unknown, where: string): Value {
  if (Array.isArray(v)) return v.map((x, i) => scalar(x, `${where}[${i}]`))
  return scalar(v, where)
}

/** Named values of one row from an object. */
export function namedRow(o: Record<string, unknown>, where: string): Row {
  const row: Row = {}
  for (const [k, v] of Object.entries(o)) row[k] = value(v, `${where}.${k}`)
  return row
}

/** A row from positional values, named by `columns` (or `<prefix><j>`); the counts must agree. */
export function positionalRow(values: unknown[], columns: readonly string[] | undefined, where: string): Row {
  if (columns && columns.length !== values.length)
    throw new BodyError(`${where}: ${values.length} values, but the mapping names ${columns.length} columns`)
  const row: Row = {}
  values.forEach((v, j) => {
    row[columns?.[j] ?? `f${j}`] = value(v, `${where}[${j}]`)
  })
  return row
}

export function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

/** Runs a decoder, turning its BodyError into a reason. */
export function decoding(decode: () => Decoded): Decoding {
  try {
    return { ok: true, value: decode() }
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, reason: err.message }
    throw err
  }
}
