import type { CloudEventV1 } from 'cloudevents'
import { type Parsed, type ServingEvent, servingEvent } from './cloudevents.js'
import { inferRequestJson, inferResponseJson, unframe } from './formats/oip-protobuf.js'
import { BodyError } from './rows.js'

// Seldon Core 2 logs every inference on Kafka: the request as `<prefix>.<namespace>.model.<model>.inputs`,
// the response on `….outputs`, both keyed `<partition>.<resource>.<request id>` (older releases:
// `<resource>.<request id>`), values protobuf ModelInferRequest / ModelInferResponse (Open Inference
// Protocol v2), possibly in a Schema Registry frame, or its JSON form. Each message becomes the same
// half a CloudEvent would be, so one pairing serves every serving stack.

/** Where a model's Seldon Core 2 traffic is, and whose it is in vigil. */
export interface SeldonSource {
  modelId: string
  prefix: string
  namespace: string
  /** The Seldon model's name. */
  model: string
}

/** The two topics of a Seldon Core 2 model. */
export function seldonTopics(s: SeldonSource): { inputs: string; outputs: string } {
  const stem = `${s.prefix}.${s.namespace}.model.${s.model}`
  return { inputs: `${stem}.inputs`, outputs: `${stem}.outputs` }
}

const TYPES = {
  request: 'io.seldon.serving.inference.request',
  response: 'io.seldon.serving.inference.response',
} as const

/**
 * The request id that pairs a message with its other half: the key's last dot-separated part (the
 * key's other parts name the partition and resource; request ids, xids or UUIDs, have no dots),
 * else the `x-request-id` header.
 */
function requestId(key: string | undefined, headers: Readonly<Record<string, string>>): string | undefined {
  const fromKey = key?.split('.').at(-1)
  if (fromKey) return fromKey
  const header = headers['x-request-id']
  return header && header !== '' ? header : undefined
}

function body(value: Buffer, half: 'request' | 'response'): Record<string, unknown> {
  // Seldon may write the JSON form (its `seldon-infer-type` header says so); a protobuf message
  // cannot begin with `{` (field 15 as a group).
  if (value[0] === 0x7b) {
    try {
      return JSON.parse(value.toString('utf8')) as Record<string, unknown>
    } catch (err) {
      throw new BodyError(`a JSON ${half} that does not parse: ${(err as Error).message}`)
    }
  }
  const bytes = unframe(value)
  return half === 'request' ? inferRequestJson(bytes) : inferResponseJson(bytes)
}

/** A message of a Seldon Core 2 model topic (its value, headers, key and time) as the half it is, or why not. */
export function seldonHalf(
  value: Buffer,
  headers: Readonly<Record<string, string>>,
  record: { key: string | undefined; timestamp: number },
  ctx: { half: 'request' | 'response'; source: SeldonSource; topic: string },
): Parsed<ServingEvent> {
  if (value.length === 0) return { ok: false, reason: 'an empty message' }
  const id = requestId(record.key, headers)
  if (!id) return { ok: false, reason: 'no request id to pair by: neither a message key nor x-request-id' }
  let data: Record<string, unknown>
  try {
    data = body(value, ctx.half)
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, reason: `${ctx.half}: ${err.message}` }
    throw err
  }
  const event: CloudEventV1<unknown> = {
    specversion: '1.0',
    id,
    source: `kafka:${ctx.topic}`,
    type: TYPES[ctx.half],
    // Seldon produces each half as it happens: the record's time is the request's or response's.
    time: new Date(record.timestamp).toISOString(),
    datacontenttype: 'application/json',
    modelid: ctx.source.modelId,
    requestid: id,
    namespace: ctx.source.namespace,
    data,
  }
  return servingEvent(event)
}
