import type { IngestMapping } from '@vigil/config'
import { createEventParser, type LabelEvent, type PredictionEvent } from '@vigil/events'
import { decodeMlflowRequest, decodeMlflowResponse } from './formats/mlflow.js'
import { decodeOipRequest, decodeOipResponse } from './formats/oip.js'
import { decodeSeldonRequest, decodeSeldonResponse, decodeSeldonTruth } from './formats/seldon.js'
import { decodeV1Request, decodeV1Response } from './formats/v1.js'
import { metadataHeader } from './metadata.js'
import {
  BodyError,
  type Decoded,
  type Decoding,
  decoding,
  describe,
  type Row,
  type Scalar,
  type Value,
} from './rows.js'

const FORMATS = {
  'oip-v2': { request: decodeOipRequest, response: decodeOipResponse },
  'kserve-v1': { request: decodeV1Request, response: decodeV1Response },
  mlflow: { request: decodeMlflowRequest, response: decodeMlflowResponse },
  seldon: { request: decodeSeldonRequest, response: decodeSeldonResponse },
} as const

/** A request body of the model's format, as rows of named inputs. */
export const decodeRequest = (body: unknown, m: IngestMapping): Decoding =>
  decoding(() => FORMATS[m.format].request(body, m.columns))

/** A response body of the model's format, as rows of named outputs. */
export const decodeResponse = (body: unknown, m: IngestMapping): Decoding =>
  decoding(() => FORMATS[m.format].response(body))

/** What the pair of bodies does not say: who the model is, when, and the id to build ids from. */
export interface PairContext {
  modelId: string
  /** Else the response's `model_version`, else `unknown`. */
  modelVersion?: string
  /** The pair's id (a CloudEvent's ce-id, a request id); one row keeps it, row r of N is `<id>#<r>`. */
  id: string
  /** RFC 3339: the request's time. */
  timestamp: string
  /** The CloudEvents attributes and extensions of the pair, which `ingest.attributes` may name. */
  extensions?: Record<string, unknown>
}

export type Mapped = { ok: true; events: PredictionEvent[] } | { ok: false; reason: string }

const parser = createEventParser('prediction')

/**
 * A request and its response as prediction events, one per row, by the model's mapping. Every
 * event is checked against the prediction contract; the first problem is the reason, naming the
 * row and field.
 */
export function toPredictions(
  request: Decoded,
  response: Decoded,
  m: IngestMapping,
  ctx: PairContext,
): Mapped {
  if (request.rows.length !== response.rows.length)
    return {
      ok: false,
      reason: `the request holds ${request.rows.length} rows, the response ${response.rows.length}`,
    }
  const n = request.rows.length
  const events: PredictionEvent[] = []
  try {
    for (let r = 0; r < n; r++) {
      const at = n === 1 ? '' : `row ${r}: `
      const event = {
        schema_version: 1,
        prediction_id: n === 1 ? ctx.id : `${ctx.id}#${r}`,
        model_id: ctx.modelId,
        model_version: ctx.modelVersion ?? response.modelVersion ?? 'unknown',
        timestamp: ctx.timestamp,
        features: features(request.rows[r]!, m, at),
        prediction: prediction(response.rows[r]!, m, response.classes, at),
        ...(m.attributes ? { attributes: attributes(request.rows[r]!, m, ctx.extensions ?? {}, at) } : {}),
      }
      const checked = parser.check(event)
      if (!checked.ok) return { ok: false, reason: `${at}${checked.reason}` }
      events.push(checked.value)
    }
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, reason: err.message }
    throw err
  }
  return { ok: true, events }
}

/** The row's attributes by the mapping; one that is absent is left out (an attribute is optional). */
function attributes(
  row: Row,
  m: IngestMapping,
  extensions: Record<string, unknown>,
  at: string,
): Record<string, Scalar> {
  const out: Record<string, Scalar> = {}
  for (const [name, from] of Object.entries(m.attributes ?? {})) {
    let v: unknown
    if ('input' in from) v = row[from.input]
    else if ('extension' in from) v = extensions[from.extension]
    else v = metadataHeader(extensions, from.metadata)
    if (v === undefined || v === null) continue
    if (typeof v === 'object')
      throw new BodyError(`${at}attribute "${name}" (ingest.attributes) is ${describe(v)}, not a value`)
    out[name] = v as Scalar
  }
  return out
}

function features(row: Row, m: IngestMapping, at: string): Record<string, Scalar> {
  const names = m.features ?? Object.keys(row)
  const out: Record<string, Scalar> = {}
  for (const name of names) {
    if (!(name in row)) throw new BodyError(`${at}the request has no input "${name}" (ingest.features)`)
    const v = row[name]!
    if (Array.isArray(v))
      throw new BodyError(
        `${at}input "${name}" holds ${v.length} values per row: name its columns with ingest.columns`,
      )
    out[name] = v
  }
  return out
}

/** The output `ref` names, the element `index` of it when given. */
function output(row: Row, ref: { output: string; index?: number }, key: string, at: string): Value {
  if (!(ref.output in row))
    throw new BodyError(
      `${at}the response has no output "${ref.output}" (ingest.${key}); it has ${Object.keys(row).join(', ')}`,
    )
  const v = row[ref.output]!
  if (ref.index === undefined) return v
  if (!Array.isArray(v) || ref.index >= v.length)
    throw new BodyError(`${at}output "${ref.output}" has no element ${ref.index} (ingest.${key}.index)`)
  return v[ref.index]!
}

function number(v: Value, key: string, at: string): number {
  if (typeof v !== 'number') throw new BodyError(`${at}ingest.${key} names ${describe(v)}, not a number`)
  return v
}

function prediction(
  row: Row,
  m: IngestMapping,
  classes: string[] | undefined,
  at: string,
): PredictionEvent['prediction'] {
  const p: PredictionEvent['prediction'] = {}
  if (m.label) {
    const v = output(row, m.label, 'label', at)
    if (Array.isArray(v) || v === null)
      throw new BodyError(`${at}ingest.label names ${describe(v)}, not a class`)
    p.label = String(v)
  }
  if (m.score) p.score = number(output(row, m.score, 'score', at), 'score', at)
  if (m.value) p.value = number(output(row, m.value, 'value', at), 'value', at)
  if (m.probabilities) {
    const v = output(row, m.probabilities, 'probabilities', at)
    const names = m.probabilities.classes ?? classes
    if (!Array.isArray(v)) throw new BodyError(`${at}ingest.probabilities names ${describe(v)}, not a vector`)
    if (!names)
      throw new BodyError(
        `${at}ingest.probabilities: name the classes of "${m.probabilities.output}" (classes: [...])`,
      )
    if (names.length !== v.length)
      throw new BodyError(
        `${at}output "${m.probabilities.output}" holds ${v.length} probabilities, ingest.probabilities.classes names ${names.length}`,
      )
    p.probabilities = Object.fromEntries(names.map((c, j) => [c, number(v[j]!, 'probabilities', at)]))
  }
  return p
}

const labelParser = createEventParser('label')

/**
 * Seldon's feedback on an inference as label events: one per row of its truth, for the
 * predictions the pair made (`<id>`, or `<id>#<row>` for a batch).
 */
export function feedbackLabels(
  body: unknown,
  ctx: { modelId: string; id: string; timestamp: string },
): { ok: true; events: LabelEvent[] } | { ok: false; reason: string } {
  let truth: Scalar[]
  try {
    truth = decodeSeldonTruth(body)
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, reason: err.message }
    throw err
  }
  const events: LabelEvent[] = []
  for (const [r, t] of truth.entries()) {
    if (t === null || typeof t === 'boolean')
      return { ok: false, reason: `truth row ${r} is ${describe(t)}: a label is a class or a number` }
    const checked = labelParser.check({
      schema_version: 1,
      prediction_id: truth.length === 1 ? ctx.id : `${ctx.id}#${r}`,
      model_id: ctx.modelId,
      timestamp: ctx.timestamp,
      label: t,
    })
    if (!checked.ok) return { ok: false, reason: `truth row ${r}: ${checked.reason}` }
    events.push(checked.value)
  }
  return { ok: true, events }
}
