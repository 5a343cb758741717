import { readFileSync } from 'node:fs'
import { createApi } from '@vigil/api'
import { queryRows } from '@vigil/clickhouse'
import { createRecorder } from '@vigil/recorder'
import {
  listeningPort,
  readTopic,
  recorderCaughtUp,
  refuseSends,
  refuseWrites,
  startServices,
  waitFor,
} from '@vigil/testing'
import { CloudEvent, HTTP } from 'cloudevents'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIngest } from '../src/service.js'

// KServe-style traffic as its InferenceLogger sends it — a request and a response CloudEvent per
// inference, built with the CloudEvents SDK, in binary, structured and batched mode — posted to
// the API, paired by the ingest service and stored by the recorder.

const TOKEN = 'ingest-token-0123456789'
/** Seldon's topics are named by config, not by the test's topic prefix: this run's own. */
const SELDON = `seldon${Date.now().toString(36)}`
const YAML = `api:
  port: 0
  tokens:
    - { name: kserve, token_env: API_TOKEN_INGEST, scopes: [ingest] }
ingest: { orphan_ttl: 2s, orphan_check: 300ms }
models:
  iris:
    ingest:
      format: kserve-v1
      columns: [sepal_length, sepal_width, petal_length, petal_width]
      label: { output: prediction }
  iris-proxied:
    ingest:
      format: oip-v2
      label: { output: label }
      pair_by: { pointer: /id }
  iris-s2:
    ingest:
      format: oip-v2
      columns: [sepal_length, sepal_width, petal_length, petal_width]
      label: { output: label }
      probabilities: { output: proba, classes: [setosa, versicolor, virginica] }
      seldon: { namespace: seldon-mesh, model: iris, prefix: ${SELDON} }
`
let started: Awaited<ReturnType<typeof startServices>>
let url: string
beforeAll(async () => {
  started = await startServices('ingest', YAML, [createRecorder, createApi, createIngest], {
    API_TOKEN_INGEST: TOKEN,
  })
  url = `http://127.0.0.1:${listeningPort(started.proc, 'api')}/v1/cloudevents`
}, 120_000)
afterAll(async () => started?.proc.stop())

const ROWS = [
  [6.8, 2.8, 4.8, 1.4],
  [6.0, 3.4, 4.5, 1.6],
]
function kserve(half: 'request' | 'response', id: string, data: unknown, extra: Record<string, string> = {}) {
  return new CloudEvent({
    id,
    source: 'http://iris-predictor.default.svc.cluster.local',
    type: `org.kubeflow.serving.inference.${half}`,
    datacontenttype: 'application/json',
    inferenceservicename: 'iris',
    namespace: 'default',
    component: 'predictor',
    endpoint: 'default',
    data,
    ...extra,
  })
}
const request = (id: string, rows = ROWS) => kserve('request', id, { instances: rows })
const response = (id: string, predictions: unknown[] = [1, 2]) => kserve('response', id, { predictions })

async function post(message: { headers: Record<string, unknown>; body: unknown }): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...(message.headers as Record<string, string>), authorization: `Bearer ${TOKEN}` },
    body: String(message.body),
  })
}

async function predictionsOf(prefix: string): Promise<{ id: string; label: string | null }[]> {
  expect(await recorderCaughtUp(started)).toBe(true)
  return queryRows<{ id: string; label: string | null }>(
    started.proc.deps.ch,
    `SELECT prediction_id AS id, predicted_label AS label FROM {db:Identifier}.predictions
      WHERE model_id = 'iris' AND startsWith(prediction_id, {prefix:String}) ORDER BY id`,
    { prefix },
  )
}

/** Waits until the recorder stored `n` predictions whose id starts with `prefix`. */
async function stored(prefix: string, n: number) {
  let rows: { id: string; label: string | null }[] = []
  await waitFor(
    async () => {
      rows = await predictionsOf(prefix)
      return rows.length >= n
    },
    30_000,
    300,
  )
  return rows
}

/** Waits until the recorder stored `n` predictions of `model`, and returns them, once each. */
async function storedOf(model: string, n: number) {
  let rows: { id: string; label: string | null }[] = []
  await waitFor(
    async () => {
      expect(await recorderCaughtUp(started)).toBe(true)
      rows = await queryRows<{ id: string; label: string | null }>(
        started.proc.deps.ch,
        `SELECT prediction_id AS id, predicted_label AS label FROM {db:Identifier}.predictions FINAL
          WHERE model_id = {model:String} ORDER BY id`,
        { model },
      )
      return rows.length >= n
    },
    30_000,
    300,
  )
  return rows
}

describe('KServe CloudEvents through the API and the ingest service', () => {
  it('binary mode, request then response: a prediction per row of the batch', async () => {
    expect((await post(HTTP.binary(request('bin-1')))).status).toBe(202)
    expect((await post(HTTP.binary(response('bin-1')))).status).toBe(202)
    expect(await stored('bin-1', 2)).toEqual([
      { id: 'bin-1#0', label: '1' },
      { id: 'bin-1#1', label: '2' },
    ])
  }, 60_000)

  it('structured mode, the response first; a batch holding both halves; halves sent twice count once', async () => {
    expect((await post(HTTP.structured(response('st-1', [0])))).status).toBe(202)
    expect((await post(HTTP.binary(request('st-1', [ROWS[0]!])))).status).toBe(202)
    const batch = JSON.stringify([request('bt-1', [ROWS[1]!]), response('bt-1', [2])])
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${TOKEN}` },
      body: batch,
    })
    expect(res.status, await res.clone().text()).toBe(202)
    expect(await res.json()).toEqual({ accepted: 2 })
    for (let i = 0; i < 2; i++) {
      await post(HTTP.binary(request('dup-1', [ROWS[0]!])))
      await post(HTTP.binary(response('dup-1', [0])))
    }
    expect(await stored('st-1', 1)).toEqual([{ id: 'st-1', label: '0' }])
    expect(await stored('bt-1', 1)).toEqual([{ id: 'bt-1', label: '2' }])
    expect(await stored('dup-1', 1)).toEqual([{ id: 'dup-1', label: '0' }])
    await new Promise((r) => setTimeout(r, 1500)) // a second pair would have been stored by now
    expect(await predictionsOf('dup-1')).toHaveLength(1)
  }, 60_000)

  it("Seldon's feedback on an inference becomes its label events", async () => {
    const feedback = new CloudEvent({
      id: 'fb-1',
      source: 'http://seldon-executor',
      type: 'io.seldon.serving.feedback',
      modelid: 'iris',
      requestid: 'bin-1',
      datacontenttype: 'application/json',
      data: { request: {}, response: {}, truth: { data: { ndarray: [['1'], ['0']] } }, reward: 1 },
    })
    expect((await post(HTTP.structured(feedback))).status).toBe(202)
    let labels: { id: string; label: string }[] = []
    await waitFor(
      async () => {
        expect(await recorderCaughtUp(started)).toBe(true)
        labels = await queryRows<{ id: string; label: string }>(
          started.proc.deps.ch,
          `SELECT prediction_id AS id, label FROM {db:Identifier}.labels WHERE model_id = 'iris' ORDER BY id`,
        )
        return labels.length >= 2
      },
      30_000,
      300,
    )
    expect(labels).toEqual([
      { id: 'bin-1#0', label: '1' },
      { id: 'bin-1#1', label: '0' },
    ])
  }, 60_000)

  it('ClickHouse refusing writes while pairs arrive: the same predictions, once each, when it is back', async () => {
    const outage = refuseWrites(started.proc.deps.ch)
    try {
      for (let i = 0; i < 3; i++) {
        expect((await post(HTTP.binary(request(`out-${i}`)))).status).toBe(202)
        expect((await post(HTTP.binary(response(`out-${i}`)))).status).toBe(202)
      }
      expect(await waitFor(async () => outage.refused() >= 3, 30_000)).toBe(true)
    } finally {
      outage.restore()
    }
    await stored('out-', 6)
    // A plan retried after a refused write may publish its pair again; the table holds each once.
    const rows = await queryRows<{ id: string; label: string | null }>(
      started.proc.deps.ch,
      `SELECT prediction_id AS id, predicted_label AS label FROM {db:Identifier}.predictions FINAL
        WHERE model_id = 'iris' AND startsWith(prediction_id, 'out-') ORDER BY id`,
    )
    expect(rows).toEqual(
      [0, 1, 2].flatMap((i) => [
        { id: `out-${i}#0`, label: '1' },
        { id: `out-${i}#1`, label: '2' },
      ]),
    )
  }, 90_000)

  it('the broker refusing the predictions topic while pairs arrive: each pair published once it is back', async () => {
    const { producer } = started.proc.deps
    const outage = refuseSends(producer, [started.config.kafka.topics.predictions])
    try {
      for (let i = 0; i < 3; i++) {
        expect((await post(HTTP.binary(request(`nokafka-${i}`)))).status).toBe(202)
        expect((await post(HTTP.binary(response(`nokafka-${i}`)))).status).toBe(202)
      }
      expect(await waitFor(async () => outage.refused() >= 3, 30_000)).toBe(true)
      // Nothing is marked paired while its predictions are not durable.
      const [paired] = await queryRows<{ n: string }>(
        started.proc.deps.ch,
        `SELECT count() AS n FROM {db:Identifier}.ingest_halves FINAL
          WHERE startsWith(pair_id, 'nokafka-') AND status = 'paired'`,
      )
      expect(Number(paired!.n)).toBe(0)
    } finally {
      outage.restore()
    }
    expect(await stored('nokafka-', 6)).toEqual(
      [0, 1, 2].flatMap((i) => [
        { id: `nokafka-${i}#0`, label: '1' },
        { id: `nokafka-${i}#1`, label: '2' },
      ]),
    )
  }, 90_000)

  it("pairs by the model's pair_by when each half has its own ce-id (a proxy that sets them)", async () => {
    const half = (kind: 'request' | 'response', ceId: string, data: unknown) =>
      new CloudEvent({
        id: ceId,
        source: 'proxy',
        type: `org.kubeflow.serving.inference.${kind}`,
        datacontenttype: 'application/json',
        inferenceservicename: 'iris-proxied',
        data,
      })
    const tensor = (name: string, datatype: string, data: unknown[]) => ({ name, shape: [2], datatype, data })
    expect(
      (
        await post(
          HTTP.binary(half('request', 'ce-a', { id: 'oip-1', inputs: [tensor('x', 'FP64', [1, 2])] })),
        )
      ).status,
    ).toBe(202)
    expect(
      (
        await post(
          HTTP.binary(
            half('response', 'ce-b', { id: 'oip-1', outputs: [tensor('label', 'BYTES', ['a', 'b'])] }),
          ),
        )
      ).status,
    ).toBe(202)
    // A half without the id its model pairs by is refused at once, saying so.
    const res = await post(HTTP.binary(half('request', 'ce-c', { inputs: [tensor('x', 'FP64', [1, 2])] })))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe(
      'the request has nothing at /id in its body to pair by (ingest.pair_by)',
    )
    const rows = await storedOf('iris-proxied', 2)
    expect(rows).toEqual([
      { id: 'oip-1#0', label: 'a' },
      { id: 'oip-1#1', label: 'b' },
    ])
  }, 60_000)

  it('a request without its response goes to the DLQ after the TTL, saying so', async () => {
    expect((await post(HTTP.binary(request('orphan-1')))).status).toBe(202)
    const { kafka, config } = started
    const found = await waitFor(
      async () => {
        const dlq = await readTopic(kafka, config.kafka.topics.dlq, 1, 3_000)
        return dlq.some((m) =>
          /request orphan-1: no response within 2 s/.test(String(m.headers['vigil-dlq-reason'])),
        )
      },
      30_000,
      500,
    )
    expect(found).toBe(true)
  }, 60_000)

  it('refuses what is not a serving CloudEvent with a 400 that says why', async () => {
    const unknown = new CloudEvent({
      id: 'x',
      source: 's',
      type: 'com.example.other',
      data: {},
      inferenceservicename: 'iris',
    })
    const cases: [{ headers: Record<string, unknown>; body: unknown }, RegExp][] = [
      [HTTP.binary(unknown), /unknown CloudEvents type com\.example\.other/],
      [
        HTTP.binary(
          new CloudEvent({ id: 'y', source: 's', type: 'org.kubeflow.serving.inference.request', data: {} }),
        ),
        /names no model/,
      ],
      [{ headers: { 'content-type': 'application/json' }, body: '{"instances": []}' }, /not a CloudEvent/],
    ]
    for (const [message, reason] of cases) {
      const res = await post(message)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toMatch(reason)
    }
  }, 60_000)

  it("Seldon Core 2's model topics: protobuf halves paired by key, in either order, framed or not; a bad one to the DLQ", async () => {
    const recorded = JSON.parse(
      readFileSync(new URL('../../../shared/ingest/fixtures/recorded.json', import.meta.url), 'utf8'),
    ) as { seldon: { name: string; request: string; response: string }[] }
    const msg = (name: string, half: 'request' | 'response', key: string) => ({
      key,
      value: Buffer.from(recorded.seldon.find((x) => x.name === name)![half], 'base64'),
    })
    const { producer } = started.proc.deps
    const [inputs, outputs] = ['inputs', 'outputs'].map((t) => `${SELDON}.seldon-mesh.model.iris.${t}`)
    await producer.send(inputs!, [
      msg('raw', 'request', '0.iris.s2-a'),
      msg('schema-registry', 'request', '0.iris.s2-c'),
    ])
    await producer.send(outputs!, [
      msg('typed', 'response', '0.iris.s2-b'),
      msg('raw', 'response', '0.iris.s2-a'),
    ])
    await producer.send(inputs!, [
      msg('typed', 'request', '0.iris.s2-b'),
      { key: '0.iris.s2-d', value: Buffer.from([0x0a, 0xff]) },
    ])
    await producer.send(outputs!, [msg('schema-registry', 'response', '0.iris.s2-c')])
    const rows = await storedOf('iris-s2', 9)
    expect(rows).toEqual(
      ['s2-a', 's2-b', 's2-c'].flatMap((id) =>
        ['setosa', 'versicolor', 'virginica'].map((label, r) => ({ id: `${id}#${r}`, label })),
      ),
    )
    const found = await waitFor(
      async () => {
        const dlq = await readTopic(started.kafka, started.config.kafka.topics.dlq, 1, 3_000)
        return dlq.some((m) =>
          /^request: not a protobuf ModelInferRequest/.test(String(m.headers['vigil-dlq-reason'])),
        )
      },
      30_000,
      500,
    )
    expect(found).toBe(true)
  }, 90_000)
})
