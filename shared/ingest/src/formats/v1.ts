import { BodyError, type Decoded, isObject, namedRow, positionalRow, type Row, value } from '../rows.js'

// KServe v1 / TensorFlow Serving's REST protocol, and what MLflow's `/invocations` shares with it:
// `{"instances": [...]}` (or `inputs`) in, `{"predictions": [...]}` out. An instance is an object
// of named values or an array of positional ones; a prediction is a value (named `prediction`),
// an array (a vector `prediction`, such as class probabilities) or an object of named outputs.

/** Rows of instances: objects by name, arrays by position (`columns`), a bare value as `input`. */
export function instanceRows(instances: unknown, where: string, columns?: readonly string[]): Row[] {
  if (!Array.isArray(instances)) throw new BodyError(`${where}: expected a list of instances`)
  return instances.map((x, i) => {
    if (isObject(x)) return namedRow(x, `${where}[${i}]`)
    if (Array.isArray(x)) return positionalRow(x, columns, `${where}[${i}]`)
    return { input: value(x, `${where}[${i}]`) }
  })
}

/** Rows of a `predictions` list (or a bare list, as older MLflow servers answer). */
export function predictionRows(body: unknown): Row[] {
  const predictions = isObject(body) ? body.predictions : body
  if (!Array.isArray(predictions)) throw new BodyError('predictions: expected a list, one entry per instance')
  return predictions.map((p, i) =>
    isObject(p) ? namedRow(p, `predictions[${i}]`) : { prediction: value(p, `predictions[${i}]`) },
  )
}

export function decodeV1Request(body: unknown, columns?: readonly string[]): Decoded {
  if (!isObject(body)) throw new BodyError('expected a JSON object with instances (KServe v1)')
  const key = 'instances' in body ? 'instances' : 'inputs'
  if (!(key in body)) throw new BodyError('expected instances or inputs (KServe v1)')
  return { rows: instanceRows(body[key], key, columns) }
}

export function decodeV1Response(body: unknown): Decoded {
  return { rows: predictionRows(body) }
}
