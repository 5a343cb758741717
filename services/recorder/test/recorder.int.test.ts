import { type ClickHouse, connectClickHouse, migrate, queryRows } from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { createKafka, createProducer, readDlqHeaders } from '@vigil/kafka'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { type RunningProcess, startProcess } from '@vigil/runtime'
import {
  createTestTopics,
  groupLag,
  INVALID_MESSAGES,
  makeLabel,
  makePrediction,
  publish,
  readTopic,
  testConfig,
  testKafka,
  waitFor,
} from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createRecorder } from '../src/service.js'

const running: { stop(): Promise<void> }[] = []
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop()
})

async function startRecorder(config: VigilConfig): Promise<RunningProcess> {
  const proc = await startProcess(config, [createRecorder], {
    log: createLogger({ name: 'test', level: config.log_level }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  running.push(proc)
  return proc
}

function topicsOf(config: VigilConfig) {
  return [config.kafka.topics.predictions, config.kafka.topics.labels]
}

async function count(ch: ClickHouse, table: string, final = ''): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    ch,
    `SELECT count() AS n FROM {db:Identifier}.{t:Identifier} ${final}`,
    {
      t: table,
    },
  )
  return Number(row?.n)
}

describe('recorder on the real broker and embedded ClickHouse', () => {
  it('stores N valid events and sends M invalid ones to the DLQ with their reasons', async () => {
    const config = testConfig({ name: 'rec' })
    const kafka = testKafka(config)
    await createTestTopics(config)
    const predictions = Array.from({ length: 1500 }, (_, i) => makePrediction(i))
    const labels = Array.from({ length: 400 }, (_, i) => makeLabel(i))
    await publish(kafka, config.kafka.topics.predictions, predictions)
    await publish(kafka, config.kafka.topics.labels, labels)
    await publish(
      kafka,
      config.kafka.topics.predictions,
      INVALID_MESSAGES.map((m) => m.value),
    )
    await publish(kafka, config.kafka.topics.labels, ['{"schema_version":1}'])

    const proc = await startRecorder(config)
    expect(
      await waitFor(async () => (await groupLag(kafka, config.recorder.group_id, topicsOf(config))) === 0),
    ).toBe(true)

    const { ch } = proc.deps
    expect(await count(ch, 'predictions')).toBe(1500)
    expect(await count(ch, 'labels')).toBe(400)
    const [sample] = await queryRows<{ n: number; c: string; at: string }>(
      ch,
      `SELECT num_features['num_0'] AS n, cat_features['cat_0'] AS c, toString(event_time) AS at
       FROM {db:Identifier}.predictions WHERE prediction_id = {id:String}`,
      { id: 'p-7' },
    )
    expect(sample).toEqual({
      n: predictions[7]!.features.num_0,
      c: predictions[7]!.features.cat_0,
      at: '2026-11-24 10:00:00.700',
    })

    const dlq = await readTopic(kafka, config.kafka.topics.dlq, INVALID_MESSAGES.length + 1)
    expect(dlq).toHaveLength(INVALID_MESSAGES.length + 1)
    for (const invalid of INVALID_MESSAGES) {
      const record = dlq.find((m) => m.value.toString() === invalid.value)
      expect(record, invalid.value.slice(0, 80)).toBeDefined()
      const h = readDlqHeaders(record!.headers)
      expect(h.reason).toMatch(invalid.reason)
      expect(h).toMatchObject({
        topic: config.kafka.topics.predictions,
        step: 'validate',
        service: 'recorder',
      })
      expect(Number(h.offset)).toBeGreaterThanOrEqual(0)
    }
    const labelRecord = dlq.find((m) => readDlqHeaders(m.headers).topic === config.kafka.topics.labels)
    expect(readDlqHeaders(labelRecord?.headers).reason).toMatch(/missing required field "prediction_id"/)
  })

  it('does not duplicate rows when every event is delivered again', async () => {
    const config = testConfig({ name: 'redeliver' })
    const kafka = testKafka(config)
    await createTestTopics(config)
    await publish(
      kafka,
      config.kafka.topics.predictions,
      Array.from({ length: 3000 }, (_, i) => makePrediction(i)),
    )
    const first = await startRecorder(config)
    expect(
      await waitFor(async () => (await groupLag(kafka, config.recorder.group_id, topicsOf(config))) === 0),
    ).toBe(true)
    await first.stop()

    // A new consumer group has no committed offsets: as if every commit had been lost.
    const again: VigilConfig = {
      ...config,
      recorder: { ...config.recorder, group_id: `${config.recorder.group_id}-again` },
    }
    const second = await startRecorder(again)
    expect(
      await waitFor(async () => (await groupLag(kafka, again.recorder.group_id, topicsOf(again))) === 0),
    ).toBe(true)
    expect(await count(second.deps.ch, 'predictions')).toBe(3000)
    expect(await count(second.deps.ch, 'predictions', 'FINAL')).toBe(3000)
  })

  it('pauses without committing while ClickHouse is unavailable, then resumes and loses nothing', async () => {
    const config = testConfig({ name: 'chdown' })
    const kafka = testKafka(config)
    await createTestTopics(config)
    const log = createLogger({ name: 'test', level: 'error' })
    const real = await connectClickHouse(config.clickhouse)
    running.push({ stop: () => real.close() })
    await migrate(real)

    // The network boundary fails as a closed connection does, for every call, while `down`.
    let down = true
    const refused = () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })
    const client = new Proxy(real.client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function' || !['insert', 'query', 'command', 'exec'].includes(String(prop)))
          return value
        return (...args: unknown[]) => (down ? Promise.reject(refused()) : value.apply(target, args))
      },
    })
    const flaky: ClickHouse = { ...real, client }

    const app = createKafka({ ...config.kafka, log })
    const producer = createProducer(app)
    await producer.start()
    running.push(producer)
    const recorder = createRecorder(config, {
      kafka: app,
      producer,
      ch: flaky,
      log,
      registry: createMetricsRegistry({ defaultMetrics: false }),
    })
    await recorder.start()
    running.push(recorder)

    await publish(
      kafka,
      config.kafka.topics.predictions,
      Array.from({ length: 800 }, (_, i) => makePrediction(i)),
    )
    expect(await waitFor(() => recorder.health().ready === false, 20_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 3000))
    expect(await groupLag(kafka, config.recorder.group_id, topicsOf(config))).toBe(800)
    expect(await count(real, 'predictions')).toBe(0)
    expect(recorder.health().detail).toMatchObject({
      sinkHealthy: false,
      lastError: expect.stringMatching(/ECONNREFUSED/),
    })

    down = false
    expect(
      await waitFor(
        async () => (await groupLag(kafka, config.recorder.group_id, topicsOf(config))) === 0,
        60_000,
      ),
    ).toBe(true)
    expect(await count(real, 'predictions')).toBe(800)
    expect(recorder.health().ready).toBe(true)
  })
})
