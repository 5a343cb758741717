import { BodyError, type Decoded, isObject, namedRow, positionalRow, type Row } from '../rows.js'
import { instanceRows, predictionRows } from './v1.js'

// MLflow's scoring server (`/invocations`, JSON): `dataframe_split` {columns, data}, or
// `dataframe_records` [{…}], or `instances` / `inputs` as TF-Serving's (`inputs` may also be an
// object of columns); `params` are not features. The answer is `{"predictions": [...]}`.

function columnRows(o: Record<string, unknown>, where: string): Row[] {
  const columns = Object.entries(o)
  const lengths = new Set(columns.map(([, v]) => (Array.isArray(v) ? v.length : -1)))
  if (lengths.has(-1) || lengths.size !== 1)
    throw new BodyError(`${where}: expected an object of columns, each a list of the same length`)
  const n = [...lengths][0]!
  return Array.from({ length: n }, (_, r) =>
    namedRow(Object.fromEntries(columns.map(([k, v]) => [k, (v as unknown[])[r]])), `${where}[${r}]`),
  )
}

export function decodeMlflowRequest(body: unknown, columns?: readonly string[]): Decoded {
  if (!isObject(body))
    throw new BodyError(
      'expected a JSON object with dataframe_split, dataframe_records, instances or inputs (MLflow)',
    )
  if ('dataframe_split' in body) {
    const split = body.dataframe_split
    if (!isObject(split) || !Array.isArray(split.data))
      throw new BodyError('dataframe_split: expected {columns, data}')
    const names = Array.isArray(split.columns) ? split.columns.map(String) : columns
    return {
      rows: split.data.map((r, i) => {
        if (!Array.isArray(r)) throw new BodyError(`dataframe_split.data[${i}]: expected a row (a list)`)
        return positionalRow(r, names, `dataframe_split.data[${i}]`)
      }),
    }
  }
  if ('dataframe_records' in body) {
    const records = body.dataframe_records
    if (!Array.isArray(records)) throw new BodyError('dataframe_records: expected a list of records')
    return {
      rows: records.map((r, i) => {
        if (!isObject(r)) throw new BodyError(`dataframe_records[${i}]: expected an object`)
        return namedRow(r, `dataframe_records[${i}]`)
      }),
    }
  }
  if (isObject(body.inputs)) return { rows: columnRows(body.inputs, 'inputs') }
  const key = 'instances' in body ? 'instances' : 'inputs'
  if (!(key in body))
    throw new BodyError('expected dataframe_split, dataframe_records, instances or inputs (MLflow)')
  return { rows: instanceRows(body[key], key, columns) }
}

export function decodeMlflowResponse(body: unknown): Decoded {
  return { rows: predictionRows(body) }
}
