import { queryRows } from '@vigil/clickhouse'
import type { OutcomeEvent } from '@vigil/events'
import { readDlqHeaders } from '@vigil/kafka'
import { createRecorder } from '@vigil/recorder'
import { makeLabel, makePrediction, publish, readTopic, startServices, waitFor } from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createJoiner } from '../src/service.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function setup() {
  // A small index: the recent predictions are joined from memory, the older ones from ClickHouse.
  const started = await startServices(
    'joiner',
    'joiner:\n  horizon: 4s\n  retry_interval: 300ms\n  index_size: 10\n',
    [createRecorder, createJoiner],
  )
  cleanup.push(() => started.proc.stop())
  return started
}

describe('joiner on the real broker and embedded ClickHouse', () => {
  it('joins labels to predictions, early or late, once each; the rest go to the DLQ with the reason', async () => {
    const { config, proc, kafka } = await setup()
    const { topics } = config.kafka
    // Labels for predictions 0-29 and for 40-44, whose predictions are published only afterwards;
    // prediction 3 gets a second, different label; 99 has no prediction at all.
    await publish(
      kafka,
      topics.predictions,
      Array.from({ length: 30 }, (_, i) => makePrediction(i)),
    )
    await publish(kafka, topics.labels, [
      ...Array.from({ length: 30 }, (_, i) => makeLabel(i)),
      ...[40, 41, 42, 43, 44].map((i) => makeLabel(i)),
      makeLabel(3, { label: 'changed-my-mind' }),
      makeLabel(99),
      '{"schema_version": 1, "model_id": "model-0"}',
    ])
    await new Promise((r) => setTimeout(r, 1000))
    await publish(
      kafka,
      topics.predictions,
      [40, 41, 42, 43, 44].map((i) => makePrediction(i)),
    )

    const outcomes = async () =>
      (await readTopic(kafka, topics.outcomes, 35, 2_000)).map(
        (m) => JSON.parse(m.value.toString()) as OutcomeEvent,
      )
    expect(await waitFor(async () => (await outcomes()).length >= 35, 30_000)).toBe(true)
    // The invalid label is reported once, by the recorder; the expired one by the joiner.
    const dlq = async () =>
      (await readTopic(kafka, topics.dlq, 2, 2_000))
        .map((m) => readDlqHeaders(m.headers))
        .map((h) => `${h.service}: ${h.reason}`)
    expect(await waitFor(async () => (await dlq()).length >= 2, 30_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 1000)) // nothing more arrives

    const published = await outcomes()
    const ids = published.map((o) => o.prediction_id).sort()
    expect(ids).toEqual(
      [...Array.from({ length: 30 }, (_, i) => i), 40, 41, 42, 43, 44].map((i) => `p-${i}`).sort(),
    )
    const p3 = published.find((o) => o.prediction_id === 'p-3')!
    expect(p3).toMatchObject({
      model_id: 'model-0',
      label: makeLabel(3).label, // the first label counts
      prediction_time: makePrediction(3).timestamp,
      label_time: makeLabel(3).timestamp,
      attributes: { region: 'eu' },
    })
    expect((await dlq()).sort()).toEqual([
      'joiner: no prediction p-99 of model model-0 arrived within 4 s of the label',
      'recorder: /: missing required field "prediction_id"; /: missing required field "timestamp"; /: missing required field "label"',
    ])
    const rows = await queryRows<{ n: number | string; distinct_ids: number | string }>(
      proc.deps.ch,
      'SELECT count() AS n, uniqExact(prediction_id) AS distinct_ids FROM {db:Identifier}.outcomes FINAL',
    )
    expect(rows.map((r) => [Number(r.n), Number(r.distinct_ids)])).toEqual([[35, 35]])
  })

  it('joins from the predictions it read, before (or without) the recorder storing them', async () => {
    const { config, proc, kafka } = await startServices('joinmem', 'joiner:\n  retry_interval: 300ms\n', [
      createJoiner,
    ])
    cleanup.push(() => proc.stop())
    const { topics } = config.kafka
    await publish(
      kafka,
      topics.predictions,
      Array.from({ length: 20 }, (_, i) => makePrediction(i)),
    )
    await publish(
      kafka,
      topics.labels,
      Array.from({ length: 20 }, (_, i) => makeLabel(i)),
    )
    const outcomes = async () => (await readTopic(kafka, topics.outcomes, 20, 2_000)).length
    expect(await waitFor(async () => (await outcomes()) >= 20, 30_000)).toBe(true)
    const rows = await queryRows<{ n: number | string }>(
      proc.deps.ch,
      'SELECT count() AS n FROM {db:Identifier}.predictions',
    )
    expect(Number(rows[0]!.n)).toBe(0) // no recorder here: every join came from memory
  })
})
