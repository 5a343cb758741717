import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectClickHouse, queryRows } from '@vigil/clickhouse'
import {
  createTestTopics,
  freePort,
  groupLag,
  makePrediction,
  publish,
  testConfig,
  testKafka,
  waitFor,
} from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { envFor, finished, spawnVigil } from './processes.js'

// Beyond one process on one machine: the process that holds the embedded engine serves it
// (clickhouse.serve), and a second recorder process in the same consumer group writes through
// it as CLICKHOUSE_URL. Between them they store every event once, as one recorder would.

const TOTAL = 30_000
const WRITER_PASSWORD = 'scale-out-writer-0123'

describe('two recorder processes on the served embedded engine', () => {
  it('share the partitions and store every event exactly once', async () => {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'vigil-scale-'))
    const file = join(dir, 'vigil.yaml')
    writeFileSync(
      file,
      `clickhouse:\n  serve:\n    port: ${port}\n    users:\n      - { name: vigil, password_env: CH_WRITER_PASSWORD, readonly: false }\n`,
    )
    const config = testConfig({ name: 'scale', dataDir: join(dir, 'data'), env: { VIGIL_CONFIG: file } })
    await createTestTopics(config)
    const kafka = testKafka(config)
    const env = envFor(config, { VIGIL_CONFIG: file, CH_WRITER_PASSWORD: WRITER_PASSWORD })
    const url = `http://127.0.0.1:${port}`

    const holder = spawnVigil(['start', 'recorder', 'clickhouse-http'], env)
    const holderExit = finished(holder)
    const served = await waitFor(
      async () => (await fetch(`${url}/ping`).catch(() => undefined))?.ok === true,
      60_000,
      200,
    )
    expect(served, 'the served engine answers').toBe(true)
    const second = spawnVigil(['start', 'recorder'], {
      ...env,
      CLICKHOUSE_URL: url,
      CLICKHOUSE_USER: 'vigil',
      CLICKHOUSE_PASSWORD: WRITER_PASSWORD,
    })
    const secondExit = finished(second)

    // Both members of the group hold partitions before the traffic comes.
    const admin = kafka.admin()
    await admin.connect()
    const members = async () => {
      const { groups } = await admin.describeGroups([config.recorder.group_id])
      return groups[0]?.state === 'Stable' ? (groups[0]?.members.length ?? 0) : 0
    }
    expect(
      await waitFor(async () => (await members()) === 2, 90_000, 500),
      'two recorders in the group',
    ).toBe(true)
    await admin.disconnect()

    const events = Array.from({ length: TOTAL }, (_, i) => makePrediction(i, { model_id: `model-${i % 60}` }))
    await publish(kafka, config.kafka.topics.predictions, events, 2000)
    const lagged = await waitFor(
      async () => (await groupLag(kafka, config.recorder.group_id, [config.kafka.topics.predictions])) === 0,
      180_000,
      500,
    )
    expect(lagged, 'the group caught up').toBe(true)

    const ch = await connectClickHouse({
      ...config.clickhouse,
      url,
      username: 'vigil',
      password: WRITER_PASSWORD,
    })
    try {
      const [r] = await queryRows<{ rows: string; ids: string; partitions: string }>(
        ch,
        'SELECT count() AS rows, uniqExact(prediction_id) AS ids, uniqExact(kafka_partition) AS partitions FROM {db:Identifier}.predictions',
      )
      // Rows from every partition, split between two members: both processes wrote.
      expect({ rows: Number(r?.rows), ids: Number(r?.ids), partitions: Number(r?.partitions) }).toEqual({
        rows: TOTAL,
        ids: TOTAL,
        partitions: config.kafka.partitions,
      })
    } finally {
      await ch.close()
    }
    second.kill('SIGTERM')
    expect((await secondExit).code).toBe(0)
    holder.kill('SIGTERM')
    const stopped = await holderExit
    expect(stopped.code, stopped.stderr).toBe(0)
  }, 400_000)
})
