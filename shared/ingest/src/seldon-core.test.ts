import { readFileSync } from 'node:fs'
import type { IngestMapping } from '@vigil/config'
import { describe, expect, it } from 'vitest'
import { fromHttp, fromKafka, type ServingEvent } from './cloudevents.js'
import { decodeRequest, decodeResponse, toPredictions } from './mapping.js'
import { type SeldonSource, seldonHalf, seldonTopics } from './seldon-core.js'

// Messages built by the serving stacks' own libraries (fixtures/generate.py): protobuf Open
// Inference Protocol v2 from tritonclient's generated classes, in a Schema Registry frame from
// confluent-kafka's serializer, and CloudEvents from the `cloudevents` SDK.

interface Recorded {
  seldon: { name: string; key: string; request: string; response: string }[]
  cloudevents: { name: string; transport: 'http' | 'kafka'; headers: Record<string, string>; body: string }[]
}
const recorded = JSON.parse(
  readFileSync(new URL('../fixtures/recorded.json', import.meta.url), 'utf8'),
) as Recorded
const bytes = (b64: string) => Buffer.from(b64, 'base64')

const source: SeldonSource = { modelId: 'iris', prefix: 'seldon', namespace: 'seldon-mesh', model: 'iris' }
const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
const CLASSES = ['setosa', 'versicolor', 'virginica']
const mapping: IngestMapping = {
  format: 'oip-v2',
  columns: IRIS,
  label: { output: 'label' },
  probabilities: { output: 'proba', classes: CLASSES },
}
const at = Date.parse('2026-12-04T09:00:00Z')

function half(
  half: 'request' | 'response',
  value: Buffer,
  key?: string,
  headers: Record<string, string> = {},
) {
  const topic = seldonTopics(source)[half === 'request' ? 'inputs' : 'outputs']
  return seldonHalf(value, headers, { key, timestamp: at }, { half, source, topic })
}

/** A pair of halves as prediction events, by the mapping. */
function predictions(request: ServingEvent, response: ServingEvent, m: IngestMapping = mapping) {
  const req = decodeRequest(request.event.data, m)
  const res = decodeResponse(response.event.data, m)
  if (!req.ok || !res.ok) throw new Error(JSON.stringify([req, res]))
  const mapped = toPredictions(req.value, res.value, m, {
    modelId: request.modelId,
    id: request.pairId,
    timestamp: request.event.time!,
  })
  if (!mapped.ok) throw new Error(mapped.reason)
  return mapped.events
}

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.7, 3.0, 6.1, 2.3],
]

describe('Seldon Core 2 topics (protobuf Open Inference Protocol v2)', () => {
  it('names the topics of a model', () => {
    expect(seldonTopics(source)).toEqual({
      inputs: 'seldon.seldon-mesh.model.iris.inputs',
      outputs: 'seldon.seldon-mesh.model.iris.outputs',
    })
  })

  for (const s of recorded.seldon) {
    it(`${s.name}: a request and its response, paired by the key's request id, become three events`, () => {
      const req = half('request', bytes(s.request), s.key)
      const res = half('response', bytes(s.response), s.key)
      if (!req.ok || !res.ok) throw new Error(JSON.stringify([req, res]))
      const id = s.key.split('.').at(-1)!
      expect(req.value).toMatchObject({ half: 'request', modelId: 'iris', pairId: id })
      expect(res.value.pairId).toBe(id)
      expect(req.value.event).toMatchObject({
        type: 'io.seldon.serving.inference.request',
        source: 'kafka:seldon.seldon-mesh.model.iris.inputs',
        time: '2026-12-04T09:00:00.000Z',
        namespace: 'seldon-mesh',
      })
      const events = predictions(req.value, res.value)
      // Raw FP32 inputs hold float32 values; the typed form sent FP64.
      const feature = (v: number) => (s.name === 'typed' ? v : Math.fround(v))
      expect(events.map((e) => e.prediction_id)).toEqual([`${id}#0`, `${id}#1`, `${id}#2`])
      expect(events.map((e) => e.features)).toEqual(
        ROWS.map((r) => Object.fromEntries(IRIS.map((n, j) => [n, feature(r[j]!)]))),
      )
      expect(events.map((e) => e.prediction.label)).toEqual(CLASSES)
      expect(events[1]!.prediction.probabilities!.versicolor).toBeCloseTo(0.9, 6)
      expect(events[0]!.model_version).toBe(s.name === 'typed' ? 'unknown' : '3')
    })
  }

  it('the Schema Registry frame is the raw pair behind a header', () => {
    const framed = recorded.seldon.find((s) => s.name === 'schema-registry')!
    const plain = recorded.seldon.find((s) => s.name === 'raw')!
    for (const h of ['request', 'response'] as const) {
      const a = half(h, bytes(framed[h]), framed.key)
      const b = half(h, bytes(plain[h]), plain.key)
      expect(a.ok && b.ok && a.value.event.data).toEqual(b.ok && b.value.event.data)
    }
  })

  it('the typed form keeps the request parameters', () => {
    const typed = recorded.seldon.find((s) => s.name === 'typed')!
    const req = half('request', bytes(typed.request), typed.key)
    expect(req.ok && req.value.event.data).toMatchObject({
      id: 'req-typed-1',
      parameters: { content_type: 'np' },
    })
  })

  it('pairs by x-request-id when the message has no key; without either, says so', () => {
    const raw = recorded.seldon[0]!
    const byHeader = half('request', bytes(raw.request), undefined, { 'x-request-id': 'abc' })
    expect(byHeader.ok && byHeader.value.pairId).toBe('abc')
    expect(half('request', bytes(raw.request))).toEqual({
      ok: false,
      reason: 'no request id to pair by: neither a message key nor x-request-id',
    })
  })

  it('reads the JSON form Seldon may write instead', () => {
    const body = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 4] }] }
    const req = half('request', Buffer.from(JSON.stringify(body)), 'k.r1')
    expect(req.ok && req.value.event.data).toEqual(body)
  })

  it('refuses what is not a message, naming the half and why', () => {
    const raw = bytes(recorded.seldon[0]!.request)
    expect(half('request', raw.subarray(0, raw.length - 7), 'k.r1')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^request: not a protobuf ModelInferRequest: /),
    })
    expect(half('response', Buffer.from('{"outputs": [', 'utf8'), 'k.r1')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^response: a JSON response that does not parse/),
    })
    expect(half('request', Buffer.from([0, 0, 0]), 'k.r1')).toEqual({
      ok: false,
      reason: 'request: a Schema Registry frame shorter than its header',
    })
    expect(half('request', Buffer.alloc(0), 'k.r1')).toEqual({ ok: false, reason: 'an empty message' })
  })
})

describe('CloudEvents made by the cloudevents SDK (PyPI)', () => {
  const events = (transport: 'http' | 'kafka') =>
    recorded.cloudevents
      .filter((c) => c.transport === transport)
      .map((c) => {
        const parsed =
          transport === 'http' ? fromHttp(c.headers, bytes(c.body)) : fromKafka(c.headers, bytes(c.body))
        if (!parsed.ok) throw new Error(`${c.name}: ${parsed.reason}`)
        return { name: c.name, event: Array.isArray(parsed.value) ? parsed.value[0]! : parsed.value }
      })

  it('binary and structured over HTTP, binary on Kafka: each a half of the same pair', () => {
    const all = [...events('http'), ...events('kafka')]
    expect(all).toHaveLength(6)
    for (const { name, event } of all) {
      expect(event, name).toMatchObject({ modelId: 'iris', pairId: 'ce-sdk-1' })
      expect(event.half, name).toBe(name.endsWith('request') ? 'request' : 'response')
      expect(event.event.namespace, name).toBe('models')
    }
    const req = all.find((e) => e.name === 'kafka-binary-request')!.event
    const res = all.find((e) => e.name === 'http-structured-response')!.event
    expect(Date.parse(res.event.time!) - Date.parse(req.event.time!)).toBe(42)
    const got = predictions(req, res, { format: 'oip-v2', columns: IRIS, label: { output: 'output-0' } })
    expect(got.map((e) => [e.prediction_id, e.prediction.label])).toEqual([
      ['ce-sdk-1#0', '1'],
      ['ce-sdk-1#1', '1'],
    ])
  })
})
