import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectClickHouse, defineTable, queryRows } from '@vigil/clickhouse'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createKafka } from '../src/client.js'
import { readDlqHeaders } from '../src/dlq.js'
import { createProducer } from '../src/producer.js'
import { createStageConsumer, type Stage } from '../src/stage.js'
import { ensureTopics } from '../src/topics.js'

const brokers = [process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`]
const log = createLogger({ name: 't', level: 'silent' })

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await cond()) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return cond()
}

describe('a stage on the real broker and embedded ClickHouse', () => {
  it('sends an event its pure code throws on to the DLQ with the error; the partition keeps flowing', async () => {
    const id = `stage_${Date.now()}`
    const ch = await connectClickHouse({
      database: id,
      data_dir: mkdtempSync(join(tmpdir(), 'vigil-stage-')),
    })
    // The stage's own table: a running sum per save, deduplicated by token like vigil's tables.
    await ch.client.command({
      query: 'CREATE DATABASE IF NOT EXISTS {db:Identifier}',
      query_params: { db: id },
    })
    await ch.client.command({
      query: `CREATE TABLE {db:Identifier}.sums (seq UInt64, state String) ENGINE = MergeTree ORDER BY seq
              SETTINGS non_replicated_deduplication_window = 1000`,
      query_params: { db: id },
    })
    const SUMS = defineTable('sums', z.object({ seq: z.string(), state: z.string() }))
    const kafka = createKafka({ brokers, client_id: id, log })
    const [input, dlq] = [`${id}.in`, `${id}.dlq`]
    await ensureTopics(kafka, [input, dlq], { partitions: 1, replication_factor: 1 })
    const producer = createProducer(kafka)
    await producer.start()

    // A running sum per partition, saved per plan; an event with `boom` breaks the code.
    const stage: Stage<number, { n: number; boom?: boolean }> = {
      name: 'summer',
      groupId: id,
      inputs: { [input]: { decode: (b) => ({ ok: true, value: JSON.parse(b.toString()) }), invalid: 'dlq' } },
      load: async () => 0,
      plan(state, inputs) {
        // A split batch plans each half: the half's own last offset names its save.
        const last = inputs.at(-1)?.offset ?? -1n
        let next = state
        for (const { event } of inputs) {
          if (event.boom) throw new TypeError(`cannot add ${JSON.stringify(event)}`)
          next += event.n
        }
        const row = { seq: String(last), state: String(next) }
        return {
          next,
          writes: [{ table: SUMS, rows: [row], dedupToken: `sum-${last}` }],
        }
      },
    }
    const consumer = createStageConsumer(stage, {
      kafka,
      producer,
      ch,
      log,
      registry: createMetricsRegistry({ defaultMetrics: false }),
      dlqTopic: dlq,
    })
    await consumer.start()
    try {
      const events = Array.from({ length: 2_000 }, (_, i) => ({
        n: 1,
        ...(i === 700 || i === 1_500 ? { boom: true } : {}),
      }))
      await producer.send(
        input,
        events.map((e) => ({ key: 'k', value: JSON.stringify(e) })),
      )
      const sum = async () => {
        const rows = await queryRows<{ state: string }>(
          ch,
          'SELECT state FROM {db:Identifier}.sums ORDER BY seq DESC LIMIT 1',
        )
        return Number(rows[0]?.state ?? 0)
      }
      expect(await until(async () => (await sum()) === 1_998, 60_000)).toBe(true)

      const reader = kafka.consumer({ groupId: `${id}-reader` })
      const dead: { offset: string; headers: ReturnType<typeof readDlqHeaders> }[] = []
      await reader.connect()
      await reader.subscribe({ topics: [dlq], fromBeginning: true })
      await reader.run({
        eachMessage: async ({ message }) => {
          dead.push({ offset: message.offset, headers: readDlqHeaders(message.headers) })
        },
      })
      await until(async () => dead.length >= 2, 30_000)
      await reader.disconnect()
      expect(dead.map((d) => d.headers.offset)).toEqual(['700', '1500'])
      expect(dead[0]!.headers).toMatchObject({ step: 'plan', service: 'summer', topic: input })
      expect(dead[0]!.headers.reason).toMatch(/^TypeError: cannot add/)
      expect(consumer.health()).toMatchObject({ running: true, sinkHealthy: true })
    } finally {
      await consumer.stop()
      await producer.stop()
      await ch.close()
    }
  })
})
