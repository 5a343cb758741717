import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ClickHouse, connectClickHouse, queryRows } from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { createTestTopics, makePrediction, testConfig, testKafka, waitFor } from '@vigil/testing'
import type { Kafka } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { committed, produce } from '../bench/common.js'
import { envFor, finished, spawnVigil } from './processes.js'

const TOTAL = 500_000
const DAY = Date.UTC(2026, 10, 24)

/** 3 models, 1-minute windows of ~100 events each, in offset order. */
function event(i: number) {
  if (i === TOTAL - 1)
    return makePrediction(i, {
      model_id: 'model-0',
      timestamp: new Date(DAY + 40 * 86_400_000).toISOString(),
    })
  return makePrediction(i, { timestamp: new Date(DAY + i * 200).toISOString() })
}

async function groupDone(kafka: Kafka, group: string, topic: string): Promise<number> {
  return committed(kafka, group, topic)
}

async function windows(ch: ClickHouse, table: 'drift_windows' | 'quality_windows', db: string) {
  const cols =
    table === 'drift_windows'
      ? 'feature, metric, value, drifted, n_reference, n_current, reference'
      : 'feature, metric, value'
  return queryRows<Record<string, unknown>>(
    ch,
    `SELECT model_id, toString(window_start) AS w, ${cols}
     FROM {d:Identifier}.{t:Identifier} FINAL ORDER BY model_id, w, feature, metric`,
    { d: db, t: table },
  )
}

describe('drift service killed with SIGKILL mid-window', () => {
  it('publishes, after restarts, the same windows as an uninterrupted run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-drift-crash-'))
    const config = testConfig({ name: 'dcrash', dataDir })
    const yaml = join(dataDir, 'vigil.yaml')
    writeFileSync(yaml, 'models:\n  "*":\n    window: 1m\n    allowed_lateness: 10s\n    idle_timeout: 1h\n')
    const kafka = testKafka(config)
    const topic = config.kafka.topics.predictions
    await createTestTopics(config)
    await produce(kafka, topic, TOTAL, event)

    // Interrupted: two hard kills while windows are open and batches are in flight.
    const env = envFor(config, { VIGIL_CONFIG: yaml })
    for (const atLeast of [120_000, 300_000]) {
      const drift = spawnVigil(['start', 'drift'], env)
      const exit = finished(drift)
      expect(
        await waitFor(
          async () => (await groupDone(kafka, config.drift.group_id, topic)) >= atLeast,
          180_000,
          20,
        ),
      ).toBe(true)
      drift.kill('SIGKILL')
      expect((await exit).signal).toBe('SIGKILL')
    }
    let drift = spawnVigil(['start', 'drift'], env)
    let exit = finished(drift)
    expect(
      await waitFor(
        async () => (await groupDone(kafka, config.drift.group_id, topic)) >= TOTAL,
        240_000,
        200,
      ),
    ).toBe(true)
    drift.kill('SIGTERM')
    expect((await exit).code).toBe(0)

    // Uninterrupted: its own database and group over the same topic, same data directory.
    const whole: VigilConfig = {
      ...config,
      clickhouse: { ...config.clickhouse, database: `${config.clickhouse.database}_whole` },
      drift: { ...config.drift, group_id: `${config.drift.group_id}-whole` },
    }
    const wholeYaml = join(dataDir, 'whole.vigil.yaml')
    writeFileSync(
      wholeYaml,
      'drift:\n  group_id: vigil-drift-whole\nmodels:\n  "*":\n    window: 1m\n    allowed_lateness: 10s\n    idle_timeout: 1h\n',
    )
    drift = spawnVigil(['start', 'drift'], envFor(whole, { VIGIL_CONFIG: wholeYaml }))
    exit = finished(drift)
    expect(
      await waitFor(
        async () => (await groupDone(kafka, `${config.drift.group_id}-whole`, topic)) >= TOTAL,
        240_000,
        200,
      ),
    ).toBe(true)
    drift.kill('SIGTERM')
    expect((await exit).code).toBe(0)

    const ch = await connectClickHouse(config.clickhouse)
    try {
      for (const table of ['drift_windows', 'quality_windows'] as const) {
        const a = await windows(ch, table, config.clickhouse.database)
        const b = await windows(ch, table, whole.clickhouse.database)
        expect(a.length, table).toBeGreaterThan(1000)
        expect(a, table).toEqual(b)
      }
    } finally {
      await ch.close()
    }
    // The time limit covers the inner waits: two kills (180 s each), catching up and the
    // uninterrupted run (240 s each), with setup; a run takes about 135 s on this machine.
  }, 900_000)
})
