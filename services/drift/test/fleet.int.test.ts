import { queryRows, toClickHouseTime } from '@vigil/clickhouse'
import type { PredictionEvent } from '@vigil/events'
import { groupLag, publish, readTopic, startServices, waitFor } from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createDrift } from '../src/service.js'

// The fleet shape in small: 500 models, each with three 10-minute windows of a few events,
// interleaved in time as one topic holds a fleet's traffic. Every closed window of every model
// must be published once, and the tables must not depend on how the models share partitions.

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 24, 8)
const MODELS = 500
const PER_WINDOW = 6

function fleet(): PredictionEvent[] {
  const events: PredictionEvent[] = []
  for (let w = 0; w < 3; w++)
    for (let i = 0; i < PER_WINDOW; i++)
      for (let m = 0; m < MODELS; m++) {
        const k = (m * 31 + i * 7 + w * 13) % 17
        events.push({
          schema_version: 1,
          prediction_id: `m${m}-w${w}-${i}`,
          model_id: `model-${m}`,
          model_version: 'v1',
          timestamp: new Date(T0 + w * 10 * MIN + i * MIN + m).toISOString(),
          // From window 2 on, every third model's x moves and c gets a new category.
          features: {
            x: k + (w === 2 && m % 3 === 0 ? 40 : 0),
            c: w === 2 && m % 3 === 0 ? 'new' : ['a', 'b'][k % 2]!,
          },
          prediction: { label: k % 4 === 0 ? 'yes' : 'no', score: k / 17 },
        })
      }
  // A day later, one event per model closes its windows.
  for (let m = 0; m < MODELS; m++)
    events.push({
      ...events[m]!,
      prediction_id: `m${m}-closer`,
      timestamp: new Date(T0 + 86_400_000).toISOString(),
    })
  return events
}

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/** The drift service alone on `partitions` partitions over the fleet's traffic: its tables and messages. */
async function run(name: string, partitions: number) {
  const { config, proc, kafka } = await startServices(
    name,
    `kafka:\n  partitions: ${partitions}\nmodels:\n  "*":\n    window: 10m\n    allowed_lateness: 1m\n    idle_timeout: 1d\n    reference: { kind: first }\n`,
    [createDrift],
  )
  stops.push(() => proc.stop())
  const { topics } = config.kafka
  await publish(kafka, topics.predictions, fleet())
  expect(
    await waitFor(
      async () => (await groupLag(kafka, config.drift.group_id, [topics.predictions])) === 0,
      120_000,
    ),
  ).toBe(true)
  // Every window of each model is published (window 0, its first, becomes its reference); one
  // message more than that is waited for, to see that none comes twice.
  const messages = await readTopic(kafka, topics.metrics, 3 * MODELS + 1, 5_000)
  const table = async (sql: string) =>
    (await queryRows<Record<string, unknown>>(proc.deps.ch, sql)).map((r) => JSON.stringify(Object.values(r)))
  return {
    published: messages.map((m) => {
      const v = JSON.parse(m.value.toString()) as { model_id: string; window_start: string }
      return `${v.model_id} ${v.window_start}`
    }),
    drift: await table(
      'SELECT model_id, window_start, feature, metric, value, drifted FROM {db:Identifier}.drift_windows FINAL ORDER BY ALL',
    ),
    quality: await table(
      'SELECT model_id, window_start, feature, metric, value FROM {db:Identifier}.quality_windows FINAL ORDER BY ALL',
    ),
  }
}

describe('drift at fleet shape', () => {
  it('publishes every window of 500 models once, the same tables as on one partition', async () => {
    const three = await run('fleet3', 3)
    const expected = Array.from({ length: MODELS }, (_, m) =>
      [0, 1, 2].map((w) => `model-${m} ${new Date(T0 + w * 10 * MIN).toISOString()}`),
    ).flat()
    expect([...three.published].sort()).toEqual(expected.sort())
    // Every third model's x moved far in window 2: found drifted there.
    const drifted = new Set(
      three.drift
        .map((r) => JSON.parse(r) as [string, string, string, string, number | null, number])
        .filter((r) => r[2] === 'x' && r[5] === 1)
        .map((r) => `${r[0]} ${r[1]}`),
    )
    const moved = Array.from({ length: MODELS }, (_, m) => m)
      .filter((m) => m % 3 === 0)
      .map((m) => `model-${m} ${toClickHouseTime(T0 + 20 * MIN)}`)
    expect(moved.filter((k) => !drifted.has(k))).toEqual([])

    const one = await run('fleet1', 1)
    expect(one.published.length).toBe(three.published.length)
    // Row by row (a diff of two large unequal arrays would take the runner minutes).
    expect(one.drift.length).toBe(three.drift.length)
    expect(one.drift.filter((r, i) => r !== three.drift[i]).slice(0, 5)).toEqual([])
    expect(one.quality.length).toBe(three.quality.length)
    expect(one.quality.filter((r, i) => r !== three.quality[i]).slice(0, 5)).toEqual([])
  }, 300_000)
})
