import { BodyError, type Decoded, isObject, positionalRow, type Row, type Scalar } from '../rows.js'

// The Seldon protocol (Seldon Core 1, MLServer's Seldon runtime): `{"data": {"names": [...],
// "ndarray": [[...]]}}` or `"tensor": {"shape": [N, F], "values": [...]}`, and `meta`. Requests
// and responses alike; a response's names are its outputs' (the classes of predict_proba).

function dataRows(
  body: unknown,
  columns: readonly string[] | undefined,
  what: string,
): { rows: Row[]; names?: string[] } {
  if (!isObject(body) || !isObject(body.data))
    throw new BodyError(`expected a JSON object with data (Seldon ${what})`)
  const { names, ndarray, tensor } = body.data
  const named = Array.isArray(names) && names.length > 0 ? names.map(String) : columns
  let rows: unknown[][]
  if (Array.isArray(ndarray)) rows = ndarray.map((r) => (Array.isArray(r) ? r : [r]))
  else if (isObject(tensor) && Array.isArray(tensor.shape) && Array.isArray(tensor.values)) {
    const [n, k = 1] = tensor.shape as number[]
    if (tensor.shape.length > 2 || n! * k !== tensor.values.length)
      throw new BodyError(
        `data.tensor: shape [${tensor.shape.join(', ')}] does not hold the ${tensor.values.length} values`,
      )
    rows = Array.from({ length: n! }, (_, r) => (tensor.values as unknown[]).slice(r * k, (r + 1) * k))
  } else throw new BodyError('data: expected ndarray or tensor {shape, values}')
  return {
    rows: rows.map((r, i) => positionalRow(r, named, `data.ndarray[${i}]`)),
    ...(Array.isArray(names) && names.length > 0 ? { names: names.map(String) } : {}),
  }
}

export function decodeSeldonRequest(body: unknown, columns?: readonly string[]): Decoded {
  return { rows: dataRows(body, columns, 'request').rows }
}

/** Each row's outputs by name, and all of them in order as the vector `prediction` (a scalar when one). */
export function decodeSeldonResponse(body: unknown): Decoded {
  const { rows, names } = dataRows(body, undefined, 'response')
  return {
    rows: rows.map((r) => {
      const all = Object.values(r) as Scalar[]
      return { ...r, prediction: all.length === 1 ? all[0]! : all }
    }),
    ...(names ? { classes: names } : {}),
  }
}

/**
 * The truth of a Seldon feedback body (`{request, response, truth, reward}`): one value per row of
 * `truth`'s data, in order.
 */
export function decodeSeldonTruth(body: unknown): Scalar[] {
  if (!isObject(body) || !isObject(body.truth))
    throw new BodyError('expected a Seldon feedback body with truth {data: …}')
  return dataRows(body.truth, undefined, 'feedback truth').rows.map((r, i) => {
    const values = Object.values(r) as Scalar[]
    if (values.length !== 1)
      throw new BodyError(`truth row ${i} holds ${values.length} values: vigil takes one label per row`)
    return values[0]!
  })
}
