import type { PairBy } from '@vigil/config'
import { type CloudEventV1, HTTP } from 'cloudevents'
import { binaryTensorBody } from './formats/oip-binary.js'
import { metadataHeader } from './metadata.js'
import { BodyError } from './rows.js'

// Serving stacks log each inference as two CloudEvents 1.0, a request and a response, sharing an
// id (KServe's InferenceLogger: ce-id; Seldon Core 1 / MLServer: the `requestid` extension). The
// API takes them over HTTP in binary, structured or batched mode (the `cloudevents` SDK reads
// all three); they travel on Kafka as structured JSON, keyed by what pairs them, and a Knative
// KafkaSink's binary mode (`ce_` headers, the body as the value) is read too.

/** A half of a logged inference, or Seldon's feedback on one (its ground truth). */
export type Half = 'request' | 'response' | 'feedback'

/** The CloudEvents types vigil takes, and which half each is. */
export const SERVING_TYPES: Readonly<Record<string, Half>> = {
  'org.kubeflow.serving.inference.request': 'request',
  'org.kubeflow.serving.inference.response': 'response',
  'io.seldon.serving.inference.request': 'request',
  'io.seldon.serving.inference.response': 'response',
  'io.seldon.serving.feedback': 'feedback',
}

/** One half of a logged inference. */
export interface ServingEvent {
  half: Half
  /** Whose model: the `inferenceservicename` extension (KServe), else `modelid` (Seldon). */
  modelId: string
  /** What pairs it: the `requestid` extension when present, else the model's `pair_by`, else the event id. */
  pairId: string
  /** The event, every attribute and extension, `data` the body (parsed JSON). */
  event: CloudEventV1<unknown>
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string }

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

/** How a reader finds each model's pairing (`ingest.pair_by` of its mapping). */
export type PairingOf = (modelId: string) => PairBy | undefined

/** The value at a JSON pointer (RFC 6901), if there is one. */
function atPointer(doc: unknown, pointer: string): unknown {
  let v = doc
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<string, unknown>)[key]
  }
  return v
}

/** The id a model's `pair_by` reads from the half, or why there is none. */
function pairedBy(e: CloudEventV1<unknown>, by: PairBy): Parsed<string> {
  const [v, where] =
    'metadata' in by
      ? [metadataHeader(e, by.metadata), `no ${by.metadata} header in its metadata extension`]
      : 'extension' in by
        ? [e[by.extension], `no ${by.extension} extension`]
        : [atPointer(e.data, by.pointer), `nothing at ${by.pointer} in its body`]
  if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v)))
    return { ok: true, value: String(v) }
  return {
    ok: false,
    reason: `the ${String(e.type).split('.').at(-1)} has ${where} to pair by (ingest.pair_by)`,
  }
}

/** A CloudEvent as a half vigil pairs, or why not. */
export function servingEvent(e: CloudEventV1<unknown>, pairing?: PairingOf): Parsed<ServingEvent> {
  if (e.specversion !== '1.0')
    return { ok: false, reason: `specversion ${String(e.specversion)}: vigil reads 1.0` }
  for (const a of ['id', 'source', 'type'] as const)
    if (!text(e[a])) return { ok: false, reason: `the CloudEvent has no ${a}` }
  const half = SERVING_TYPES[e.type]
  if (!half)
    return {
      ok: false,
      reason: `unknown CloudEvents type ${e.type}: vigil takes ${Object.keys(SERVING_TYPES).join(', ')}`,
    }
  const modelId = text(e.inferenceservicename) ?? text(e.modelid)
  if (!modelId)
    return {
      ok: false,
      reason: 'the CloudEvent names no model: no inferenceservicename or modelid extension',
    }
  if (e.data === undefined) return { ok: false, reason: `the ${half} has no body (data)` }
  const by = text(e.requestid) ? undefined : pairing?.(modelId)
  const pairId = by ? pairedBy(e, by) : { ok: true as const, value: text(e.requestid) ?? e.id }
  if (!pairId.ok) return pairId
  return { ok: true, value: { half, modelId, pairId: pairId.value, event: e } }
}

/**
 * The CloudEvents of an HTTP request (binary, structured or batched mode), each checked. A
 * binary-mode body is taken as bytes (it may be binary tensors), the others as UTF-8 text.
 */
export function fromHttp(
  headers: Record<string, string>,
  body: Buffer,
  pairing?: PairingOf,
): Parsed<ServingEvent[]> {
  const binary = Object.keys(headers).some((k) => k.startsWith('ce-'))
  let events: CloudEventV1<unknown>[]
  try {
    const e = HTTP.toEvent({ headers, body: binary ? body : body.toString('utf8') })
    events = (Array.isArray(e) ? e : [e]) as CloudEventV1<unknown>[]
  } catch (err) {
    return { ok: false, reason: `not a CloudEvent: ${(err as Error).message}` }
  }
  if (events.length === 0) return { ok: false, reason: 'an empty batch' }
  const out: ServingEvent[] = []
  for (const [i, e] of events.entries()) {
    const at = events.length > 1 ? `event ${i}: ` : ''
    let json: CloudEventV1<unknown>
    try {
      json = bodyAsJson(e, Number(headers['inference-header-content-length']) || undefined)
    } catch (err) {
      if (err instanceof BodyError) return { ok: false, reason: `${at}${err.message}` }
      throw err
    }
    const s = servingEvent(json, pairing)
    if (!s.ok) return { ok: false, reason: `${at}${s.reason}` }
    out.push(s.value)
  }
  return { ok: true, value: out }
}

/**
 * The event with its body as JSON where it is: KServe's response event reuses the request's
 * content type, so a JSON body may come as text or bytes of another type; a body of binary
 * tensors (the Open Inference Protocol's extension) becomes the JSON body it stands for.
 */
function bodyAsJson(e: CloudEventV1<unknown>, headerLength?: number): CloudEventV1<unknown> {
  const d = e.data
  const bytes = typeof d === 'string' ? Buffer.from(d) : d instanceof Uint8Array ? Buffer.from(d) : undefined
  if (bytes === undefined) return e
  const { data_base64: _, ...attributes } = e
  try {
    return { ...attributes, data: JSON.parse(bytes.toString('utf8')) }
  } catch {
    const tensors = binaryTensorBody(bytes, headerLength)
    return tensors ? { ...attributes, data: tensors } : e
  }
}

/** The half as vigil writes it to Kafka: structured JSON, keyed by model and pair id. */
export function toKafka(s: ServingEvent): { key: string; value: string; headers: Record<string, string> } {
  return {
    key: `${s.modelId}\u001f${s.pairId}`,
    value: JSON.stringify(s.event),
    headers: { 'content-type': 'application/cloudevents+json' },
  }
}

/** A half read from Kafka: structured JSON, or binary mode (`ce_` headers and the body as the value). */
export function fromKafka(
  headers: Record<string, string>,
  value: Buffer | null,
  pairing?: PairingOf,
): Parsed<ServingEvent> {
  if (!value || value.length === 0) return { ok: false, reason: 'an empty message' }
  const http: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers))
    http[k.startsWith('ce_') ? `ce-${k.slice(3)}` : k.toLowerCase()] = v
  if (!Object.keys(http).some((k) => k.startsWith('ce-')) && !http['content-type'])
    http['content-type'] = 'application/cloudevents+json'
  const parsed = fromHttp(http, value, pairing)
  if (!parsed.ok) return parsed
  if (parsed.value.length !== 1) return { ok: false, reason: 'a batch of CloudEvents in one message' }
  return { ok: true, value: parsed.value[0]! }
}
