import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectClickHouse, queryRows } from '@vigil/clickhouse'
import {
  createTestTopics,
  groupLag,
  makePrediction,
  publish,
  readTopic,
  testConfig,
  testKafka,
  waitFor,
} from '@vigil/testing'
import type { Kafka } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { envFor, finished, spawnVigil } from './processes.js'

const TOTAL = 200_000

async function committed(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0)
  } finally {
    await admin.disconnect()
  }
}

describe('recorder killed with SIGKILL mid-stream', () => {
  it('resumes after restart with every event stored exactly once and nothing valid in the DLQ', async () => {
    const config = testConfig({ name: 'crash', dataDir: mkdtempSync(join(tmpdir(), 'vigil-crash-')) })
    const kafka = testKafka(config)
    await createTestTopics(config)
    const env = envFor(config)
    const topic = config.kafka.topics.predictions
    const group = config.recorder.group_id

    const producing = (async () => {
      for (let start = 0; start < TOTAL; start += 20_000) {
        const events = Array.from({ length: 20_000 }, (_, i) => makePrediction(start + i))
        await publish(kafka, topic, events, 2000)
      }
    })()

    // Two hard kills, each while the recorder is busy inserting and committing.
    for (const atLeast of [30_000, 110_000]) {
      const recorder = spawnVigil(['start', 'recorder'], env)
      const exit = finished(recorder)
      const reached = await waitFor(
        async () => (await committed(kafka, group, topic)) >= atLeast,
        150_000,
        50,
      )
      expect(reached, `recorder committed ${atLeast} events`).toBe(true)
      recorder.kill('SIGKILL')
      expect((await exit).signal).toBe('SIGKILL')
    }
    await producing

    // While one recorder holds the embedded data directory, a second process is told what to do.
    const recorder = spawnVigil(['start', 'recorder'], env)
    const exit = finished(recorder)
    const before = await committed(kafka, group, topic)
    expect(await waitFor(async () => (await committed(kafka, group, topic)) > before, 60_000, 50)).toBe(true)
    const migrateOut = await finished(spawnVigil(['migrate'], env))
    expect(migrateOut.code).toBe(1)
    expect(migrateOut.stderr).toMatch(/cannot be opened.*vigil start.*CLICKHOUSE_URL/s)

    expect(await waitFor(async () => (await groupLag(kafka, group, [topic])) === 0, 240_000, 500)).toBe(true)
    recorder.kill('SIGTERM')
    const stopped = await exit
    expect(stopped.code, stopped.stderr).toBe(0)

    const ch = await connectClickHouse(config.clickhouse)
    try {
      const [plain] = await queryRows<{ n: string; ids: string; lo: string; hi: string }>(
        ch,
        `SELECT count() AS n, uniqExact(prediction_id) AS ids,
                min(toUInt64(substring(prediction_id, 3))) AS lo, max(toUInt64(substring(prediction_id, 3))) AS hi
         FROM {db:Identifier}.predictions`,
      )
      expect([plain?.n, plain?.ids, plain?.lo, plain?.hi].map(Number)).toEqual([TOTAL, TOTAL, 0, TOTAL - 1])
      const [final] = await queryRows<{ n: string }>(
        ch,
        'SELECT count() AS n FROM {db:Identifier}.predictions FINAL',
      )
      expect(Number(final?.n)).toBe(TOTAL)
    } finally {
      await ch.close()
    }
    expect(await readTopic(kafka, config.kafka.topics.dlq, 1, 3000)).toHaveLength(0)
  })
})
