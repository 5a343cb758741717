import { dedupToken, INGEST_HALVES, type StoredHalf, toClickHouseTime } from '@vigil/clickhouse'
import type { ModelConfig } from '@vigil/config'
import {
  decodeRequest,
  decodeResponse,
  feedbackLabels,
  fromKafka,
  type Half,
  type ServingEvent,
  servingEvent,
  toPredictions,
} from '@vigil/ingest'
import { type Decoded, type Input, type OutMessage, type Plan, toDlqMessage, type Write } from '@vigil/kafka'
import type { KafkaMessage } from 'kafkajs'

/** A half of a batch, read from its message. */
export interface ArrivedHalf {
  serving: ServingEvent
  offset: bigint
  arrivedAt: number
  message: KafkaMessage
}

export interface IngestTopics {
  cloudevents: string
  predictions: string
  labels: string
  dlq: string
}

export interface PairOptions {
  now: number
  partition: number
  topics: IngestTopics
  settings: (modelId: string) => ModelConfig
}

/** What a plan did, for the metrics and logs it runs after the writes. */
export interface PairCounts {
  paired: number
  predictions: number
  /** Label events made from Seldon's feedback. */
  labels: number
  waiting: number
  duplicates: number
  refused: { model: string; reason: string }[]
  /** Per pair whose halves both carry `time`: the response's minus the request's, seconds. */
  latencies: { model: string; seconds: number }[]
  /** Responses with a `statuscode` other than 200 (KServe logs them with it). */
  errors: { model: string; status: string }[]
}

/** The serving latency of a pair: the response's `time` minus the request's, when both have one. */
function servingLatency(request: ArrivedHalf, response: ArrivedHalf): number | undefined {
  const from = Date.parse(request.serving.event.time ?? '')
  const to = Date.parse(response.serving.event.time ?? '')
  return Number.isNaN(from) || Number.isNaN(to) || to < from ? undefined : (to - from) / 1000
}

const pairKey = (modelId: string, pairId: string) => `${modelId}\u001f${pairId}`

/**
 * A message of `vigil.cloudevents` as a half to pair, or why not (the stage sends it to the DLQ):
 * not a serving CloudEvent, or a model without an ingest mapping.
 */
export function decodeHalf(
  value: Buffer,
  headers: Readonly<Record<string, string>>,
  settings: (modelId: string) => ModelConfig,
): Decoded<ServingEvent> {
  const parsed = fromKafka(headers, value, (id) => settings(id).ingest?.pair_by)
  if (!parsed.ok) return parsed
  const model = parsed.value.modelId
  if (!settings(model).ingest)
    return {
      ok: false,
      reason: `model ${model} has no ingest mapping in vigil.yaml (models.${model}.ingest)`,
    }
  return parsed
}

/** A half of the batch as the plan keeps it. */
const arrived = (input: Input<ServingEvent>): ArrivedHalf => ({
  serving: input.event,
  offset: input.offset,
  arrivedAt: input.timestamp,
  message: input.message,
})

/** A stored half as the plan uses it. */
function storedHalf(s: StoredHalf): ArrivedHalf | undefined {
  const parsed = servingEvent(JSON.parse(s.event))
  if (!parsed.ok) return undefined
  return {
    // Paired by what the half was stored under (a model's pair_by may have chosen it).
    serving: { ...parsed.value, pairId: s.pair_id },
    offset: BigInt(s.source_offset),
    arrivedAt: Date.parse(s.arrived_at),
    message: {
      key: Buffer.from(pairKey(s.model_id, s.pair_id)),
      value: Buffer.from(s.event),
      offset: s.source_offset,
      timestamp: String(Date.parse(s.arrived_at)),
      headers: { 'content-type': 'application/cloudevents+json' },
      attributes: 0,
    },
  }
}

/**
 * Pairs a batch's halves with each other and with the waiting ones `stored` holds. A pair becomes
 * its prediction events (one per row of the bodies), or, when the bodies do not fit the model's
 * mapping, both halves go to the DLQ with the reason; a half whose partner has not come waits in
 * `ingest_halves`. A half of a pair already made (a redelivery) is a duplicate. Writes, in order:
 * the predictions, the DLQ, then the halves' states, so a pair is never marked done before its
 * events are durable (a replay pairs it again, with the same ids).
 */
export function planPairs(
  inputs: readonly Input<ServingEvent>[],
  stored: readonly StoredHalf[],
  o: PairOptions,
): Plan<undefined> & { counts: PairCounts } {
  const halves = inputs.map(arrived)
  const counts: PairCounts = {
    paired: 0,
    predictions: 0,
    labels: 0,
    waiting: 0,
    duplicates: 0,
    refused: [],
    latencies: [],
    errors: [],
  }
  const source = { topic: o.topics.cloudevents, partition: o.partition, service: 'ingest', step: 'pair' }
  const dlq: OutMessage[] = []

  const done = new Set<string>()
  const waiting = new Map<string, Partial<Record<Half, ArrivedHalf>>>()
  for (const s of stored) {
    const key = pairKey(s.model_id, s.pair_id)
    if (s.status !== 'waiting') {
      if (s.status === 'paired') done.add(key)
      continue
    }
    const half = storedHalf(s)
    if (half) waiting.set(key, { ...waiting.get(key), [s.half]: half })
  }
  // Feedback (Seldon's ground truth) needs no partner: its labels go out at once.
  const labels: OutMessage[] = []
  for (const h of halves.filter((x) => x.serving.half === 'feedback')) {
    const made = feedbackLabels(h.serving.event.data, {
      modelId: h.serving.modelId,
      id: h.serving.pairId,
      timestamp: h.serving.event.time ?? new Date(h.arrivedAt).toISOString(),
    })
    if (made.ok) {
      counts.labels += made.events.length
      labels.push(...made.events.map((e) => ({ key: e.model_id, value: JSON.stringify(e) })))
    } else {
      counts.refused.push({ model: h.serving.modelId, reason: `feedback: ${made.reason}` })
      dlq.push(toDlqMessage(h.message, source, `feedback: ${made.reason}`, new Date(o.now)))
    }
  }
  const fresh = new Map<string, Partial<Record<Half, ArrivedHalf>>>()
  for (const h of halves.filter((x) => x.serving.half !== 'feedback')) {
    const key = pairKey(h.serving.modelId, h.serving.pairId)
    const have = { ...waiting.get(key), ...fresh.get(key) }
    if (done.has(key) || have[h.serving.half]) {
      counts.duplicates++
      continue
    }
    fresh.set(key, { ...fresh.get(key), [h.serving.half]: h })
  }

  const predictions: OutMessage[] = []
  const states: object[] = []
  const state = (h: ArrivedHalf, status: 'waiting' | 'paired', seq: 0 | 1) =>
    states.push({
      source_partition: o.partition,
      model_id: h.serving.modelId,
      pair_id: h.serving.pairId,
      half: h.serving.half,
      source_offset: h.offset.toString(),
      event: JSON.stringify(h.serving.event),
      arrived_at: toClickHouseTime(h.arrivedAt),
      status,
      seq,
    })
  for (const [key, batch] of fresh) {
    const pair = { ...waiting.get(key), ...batch }
    if (!pair.request || !pair.response) {
      for (const h of Object.values(batch)) {
        state(h, 'waiting', 0)
        counts.waiting++
      }
      continue
    }
    const { request, response } = pair
    const model = request.serving.modelId
    const latency = servingLatency(request, response)
    if (latency !== undefined) counts.latencies.push({ model, seconds: latency })
    const status = response.serving.event.statuscode
    const made =
      status !== undefined && String(status) !== '200'
        ? undefined // a failed inference: counted, not a prediction, not bad input
        : pairPredictions(request, response, o.settings(model))
    if (!made) counts.errors.push({ model, status: String(status) })
    else if (made.ok) {
      counts.paired++
      counts.predictions += made.messages.length
      predictions.push(...made.messages)
    } else {
      counts.refused.push({ model: request.serving.modelId, reason: made.reason })
      for (const h of [request, response])
        dlq.push(toDlqMessage(h.message, source, made.reason, new Date(o.now)))
    }
    state(request, 'paired', 1)
    state(response, 'paired', 1)
  }

  const writes: Write[] = []
  if (predictions.length > 0) writes.push({ topic: o.topics.predictions, messages: predictions })
  if (labels.length > 0) writes.push({ topic: o.topics.labels, messages: labels })
  if (dlq.length > 0) writes.push({ topic: o.topics.dlq, messages: dlq })
  if (states.length > 0) {
    const first = inputs[0]?.offset ?? 0n
    const last = inputs.at(-1)?.offset ?? 0n
    writes.push({
      table: INGEST_HALVES,
      rows: states,
      dedupToken: dedupToken('ingest', [String(o.partition), String(first), String(last)]),
    })
  }
  return { next: undefined, writes, counts }
}

/** A request and its response as prediction messages (key: model id), or why they do not fit. */
export function pairPredictions(
  request: ArrivedHalf,
  response: ArrivedHalf,
  model: ModelConfig,
): { ok: true; messages: OutMessage[] } | { ok: false; reason: string } {
  const mapping = model.ingest!
  const req = decodeRequest(request.serving.event.data, mapping)
  if (!req.ok) return { ok: false, reason: `request: ${req.reason}` }
  const res = decodeResponse(response.serving.event.data, mapping)
  if (!res.ok) return { ok: false, reason: `response: ${res.reason}` }
  const time =
    request.serving.event.time ?? response.serving.event.time ?? new Date(request.arrivedAt).toISOString()
  const mapped = toPredictions(req.value, res.value, mapping, {
    modelId: request.serving.modelId,
    id: request.serving.pairId,
    timestamp: time,
    extensions: { ...response.serving.event, ...request.serving.event },
  })
  if (!mapped.ok) return { ok: false, reason: mapped.reason }
  return {
    ok: true,
    messages: mapped.events.map((e) => ({ key: e.model_id, value: JSON.stringify(e) })),
  }
}

/**
 * The tick's work: waiting halves past the TTL go to the DLQ, saying which half never came, and
 * are marked orphaned.
 */
export function planOrphans(
  orphans: readonly StoredHalf[],
  o: PairOptions & { ttlMs: number },
): (Plan<undefined> & { orphaned: { model: string; reason: string }[] }) | undefined {
  if (orphans.length === 0) return undefined
  const source = { topic: o.topics.cloudevents, partition: o.partition, service: 'ingest', step: 'orphan' }
  const dlq: OutMessage[] = []
  const rows: object[] = []
  const orphaned: { model: string; reason: string }[] = []
  for (const s of orphans) {
    const other = s.half === 'request' ? 'response' : 'request'
    const reason = `no ${other} within ${Math.round(o.ttlMs / 1000)} s`
    const half = storedHalf(s)
    if (half)
      dlq.push(toDlqMessage(half.message, source, `${s.half} ${s.pair_id}: ${reason}`, new Date(o.now)))
    orphaned.push({ model: s.model_id, reason: `no ${other}` })
    rows.push({
      source_partition: o.partition,
      model_id: s.model_id,
      pair_id: s.pair_id,
      half: s.half,
      source_offset: s.source_offset,
      event: s.event,
      arrived_at: toClickHouseTime(Date.parse(s.arrived_at)),
      status: 'orphaned',
      seq: 1,
    })
  }
  return {
    next: undefined,
    writes: [
      { topic: o.topics.dlq, messages: dlq },
      {
        table: INGEST_HALVES,
        rows,
        dedupToken: dedupToken('ingest-orphans', [
          String(o.partition),
          ...orphans.map((s) => `${s.model_id}/${s.pair_id}/${s.half}`),
        ]),
      },
    ],
    orphaned,
  }
}
