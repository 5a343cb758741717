import type { StoredHalf } from '@vigil/clickhouse'
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import { type ServingEvent, toKafka } from '@vigil/ingest'
import type { Input, RowWrite, TopicWrite } from '@vigil/kafka'
import { describe, expect, it } from 'vitest'
import { decodeHalf, planOrphans, planPairs } from './pair.js'

const topics = { cloudevents: 'ce', predictions: 'preds', labels: 'labels', dlq: 'dlq' }
const iris: ModelConfig = {
  ...DEFAULT_MODEL_CONFIG,
  ingest: { format: 'kserve-v1', columns: ['a', 'b'], label: { output: 'prediction' } },
}
const settings = (m: string) => (m === 'iris' ? iris : DEFAULT_MODEL_CONFIG)
const options = { now: Date.UTC(2026, 11, 3, 12), partition: 0, topics, settings }

function half(kind: 'request' | 'response', id: string, data: unknown, model = 'iris'): ServingEvent {
  return {
    half: kind,
    modelId: model,
    pairId: id,
    event: {
      specversion: '1.0',
      id,
      source: 'http://iris-predictor.default',
      type: `org.kubeflow.serving.inference.${kind}`,
      time: kind === 'request' ? '2026-12-03T11:00:00.000Z' : '2026-12-03T11:00:00.040Z',
      datacontenttype: 'application/json',
      inferenceservicename: model,
      data,
    },
  }
}
const request = (id: string, rows = [[1, 2]], model = 'iris') =>
  half('request', id, { instances: rows }, model)
const response = (id: string, predictions: unknown[] = [7], model = 'iris') =>
  half('response', id, { predictions }, model)

let offset = 0n
/** Messages of the halves as the topic holds them, decoded as the stage decodes them. */
function inputs(...halves: ServingEvent[]): Input<ServingEvent>[] {
  return halves.map((h) => {
    const m = toKafka(h)
    const o = offset++
    const value = Buffer.from(m.value)
    const decoded = decodeHalf(value, m.headers, settings)
    if (!decoded.ok) throw new Error(decoded.reason)
    return {
      topic: 'ce',
      partition: 0,
      offset: o,
      timestamp: options.now,
      event: decoded.value,
      message: {
        key: Buffer.from(m.key),
        value,
        headers: m.headers,
        offset: String(o),
        timestamp: String(options.now),
        attributes: 0,
      },
    }
  })
}

const topicWrite = (w: ReturnType<typeof planPairs>['writes'], topic: string) =>
  (w.find((x) => 'topic' in x && x.topic === topic) as TopicWrite | undefined)?.messages ?? []
const states = (w: ReturnType<typeof planPairs>['writes']) =>
  ((w.find((x) => 'table' in x) as RowWrite | undefined)?.rows ?? []) as {
    pair_id: string
    half: string
    status: string
    seq: number
  }[]

/** What the table would hold after a plan's writes (its rows as stored halves). */
const asStored = (w: ReturnType<typeof planPairs>['writes']): StoredHalf[] =>
  (states(w) as unknown as (StoredHalf & { arrived_at: string })[]).map((r) => ({
    ...r,
    model_id: 'iris',
    source_offset: String((r as unknown as { source_offset: string }).source_offset),
    arrived_at: new Date(options.now).toISOString(),
  }))

describe('pairing requests with responses', () => {
  it('a pair in one batch becomes its predictions, one per row, and both halves are marked paired', () => {
    const plan = planPairs(
      inputs(
        request('a', [
          [1, 2],
          [3, 4],
        ]),
        response('a', [7, 8]),
      ),
      [],
      options,
    )
    const events = topicWrite(plan.writes, 'preds').map((m) => JSON.parse(String(m.value)))
    expect(events.map((e) => [e.prediction_id, e.features, e.prediction, e.timestamp])).toEqual([
      ['a#0', { a: 1, b: 2 }, { label: '7' }, '2026-12-03T11:00:00.000Z'],
      ['a#1', { a: 3, b: 4 }, { label: '8' }, '2026-12-03T11:00:00.000Z'],
    ])
    expect(states(plan.writes).map((s) => [s.half, s.status, s.seq])).toEqual([
      ['request', 'paired', 1],
      ['response', 'paired', 1],
    ])
    // Predictions first, the halves' states last: a pair is marked done only once its events are durable.
    expect(plan.writes.map((w) => ('topic' in w ? w.topic : w.table.name))).toEqual([
      'preds',
      'ingest_halves',
    ])
    expect(plan.counts).toMatchObject({ paired: 1, predictions: 2 })
  })

  it('a response before its request waits, and pairs when the request comes', () => {
    const first = planPairs(inputs(response('b')), [], options)
    expect(topicWrite(first.writes, 'preds')).toEqual([])
    expect(states(first.writes).map((s) => [s.half, s.status, s.seq])).toEqual([['response', 'waiting', 0]])
    const second = planPairs(inputs(request('b')), asStored(first.writes), options)
    expect(topicWrite(second.writes, 'preds').map((m) => JSON.parse(String(m.value)).prediction_id)).toEqual([
      'b',
    ])
    expect(states(second.writes).map((s) => [s.half, s.status])).toEqual([
      ['request', 'paired'],
      ['response', 'paired'],
    ])
  })

  it('a half delivered twice counts once; a half of a pair already made is a duplicate', () => {
    const once = planPairs(inputs(request('c'), request('c')), [], options)
    expect(states(once.writes)).toHaveLength(1)
    expect(once.counts.duplicates).toBe(1)
    const made = planPairs(inputs(request('d'), response('d')), [], options)
    const again = planPairs(inputs(response('d')), asStored(made.writes), options)
    expect(again.writes).toEqual([])
    expect(again.counts.duplicates).toBe(1)
  })

  it('bodies that do not fit the mapping send both halves to the DLQ with the reason', () => {
    const plan = planPairs(inputs(request('e', [[1, 2, 3]]), response('e')), [], options)
    const dlq = topicWrite(plan.writes, 'dlq')
    expect(dlq).toHaveLength(2)
    expect(String(dlq[0]!.headers!['vigil-dlq-reason'])).toMatch(
      /request: instances\[0\]: 3 values, but the mapping names 2 columns/,
    )
    expect(states(plan.writes).map((s) => s.status)).toEqual(['paired', 'paired'])
  })

  it('a model without a mapping, and a message that is no CloudEvent, go to the DLQ at once', () => {
    // Refused when decoded: the stage sends them to the DLQ with the reason, and no plan sees them.
    const other = toKafka(request('f', [[1, 2]], 'other'))
    const reasons = [
      decodeHalf(Buffer.from(other.value), other.headers, settings),
      decodeHalf(Buffer.from('not json'), {}, settings),
    ].map((d) => (d.ok ? '' : d.reason))
    expect(reasons[0]).toMatch(/model other has no ingest mapping/)
    expect(reasons[1]).toMatch(/not a CloudEvent/)
  })

  it("a pair's serving latency is its halves' times apart; a failed response is counted, not a prediction", () => {
    const plan = planPairs(inputs(request('h'), response('h')), [], options)
    expect(plan.counts.latencies).toEqual([{ model: 'iris', seconds: 0.04 }])
    const failed = response('i')
    failed.event = { ...failed.event, statuscode: 500, data: { error: 'model crashed' } }
    const errored = planPairs(inputs(request('i'), failed), [], options)
    expect(errored.counts.errors).toEqual([{ model: 'iris', status: '500' }])
    expect(topicWrite(errored.writes, 'preds')).toEqual([])
    expect(topicWrite(errored.writes, 'dlq')).toEqual([])
    expect(states(errored.writes).map((s) => s.status)).toEqual(['paired', 'paired'])
  })

  it("Seldon's feedback becomes label events for the pair's predictions at once; a truth that is no label is refused", () => {
    const feedback = (id: string, truth: unknown): ServingEvent => ({
      half: 'feedback',
      modelId: 'iris',
      pairId: id,
      event: {
        specversion: '1.0',
        id: `fb-${id}`,
        source: 'seldon',
        type: 'io.seldon.serving.feedback',
        time: '2026-12-04T09:00:00.000Z',
        modelid: 'iris',
        requestid: id,
        data: { request: {}, response: {}, truth: { data: { ndarray: truth } }, reward: 1 },
      },
    })
    const plan = planPairs(inputs(feedback('j', [[1], [0]]), feedback('k', ['setosa'])), [], options)
    const labels = topicWrite(plan.writes, 'labels').map((m) => JSON.parse(String(m.value)))
    expect(labels.map((l) => [l.prediction_id, l.label, l.timestamp])).toEqual([
      ['j#0', 1, '2026-12-04T09:00:00.000Z'],
      ['j#1', 0, '2026-12-04T09:00:00.000Z'],
      ['k', 'setosa', '2026-12-04T09:00:00.000Z'],
    ])
    expect(states(plan.writes)).toEqual([])
    const bad = planPairs(inputs(feedback('l', [[0.2, 0.8]])), [], options)
    expect(String(topicWrite(bad.writes, 'dlq')[0]!.headers!['vigil-dlq-reason'])).toMatch(
      /feedback: truth row 0 holds 2 values: vigil takes one label per row/,
    )
  })

  it('a half that waited past the TTL goes to the DLQ, naming the half that never came', () => {
    const waited = asStored(planPairs(inputs(request('g')), [], options).writes)
    const plan = planOrphans(waited, { ...options, ttlMs: 600_000 })!
    expect(String((plan.writes[0] as TopicWrite).messages[0]!.headers!['vigil-dlq-reason'])).toBe(
      'request g: no response within 600 s',
    )
    expect(plan.orphaned).toEqual([{ model: 'iris', reason: 'no response' }])
    expect(((plan.writes[1] as RowWrite).rows as { status: string }[])[0]!.status).toBe('orphaned')
    expect(planOrphans([], { ...options, ttlMs: 1 })).toBeUndefined()
  })
})
