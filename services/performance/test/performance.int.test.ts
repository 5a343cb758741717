import { queryRows } from '@vigil/clickhouse'
import { modelConfig } from '@vigil/config'
import { createJoiner } from '@vigil/joiner'
import { evaluateModel, joinOutcomes } from '@vigil/outcomes'
import { createRecorder } from '@vigil/recorder'
import {
  fraudLabel,
  fraudPrediction,
  groupLag,
  latestWindows,
  publish,
  readTopic,
  startServices,
  waitFor,
} from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createPerformance } from '../src/service.js'

const T0 = Date.UTC(2026, 10, 24, 10)
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

const prediction = fraudPrediction
const label = fraudLabel

/** Recorder, joiner and performance with `interval` between a window's computations; `n` predictions recorded. */
async function recorded(name: string, interval: string, n: number) {
  const started = await startServices(
    name,
    `joiner:\n  retry_interval: 500ms\nperformance:\n  republish_interval: ${interval}\nmodels:\n  fraud:\n    window: 1h\n    positive_class: fraud\n`,
    [createRecorder, createJoiner, createPerformance],
  )
  cleanup.push(() => started.proc.stop())
  const { config, kafka } = started
  const predictions = Array.from({ length: n }, (_, i) => prediction(i))
  await publish(kafka, config.kafka.topics.predictions, predictions)
  // Labels come days later: the predictions are recorded by then (coverage counts recorded ones).
  expect(
    await waitFor(
      async () => (await groupLag(kafka, config.recorder.group_id, [config.kafka.topics.predictions])) === 0,
      30_000,
    ),
  ).toBe(true)
  return { ...started, predictions, topics: config.kafka.topics }
}

describe('performance service: delayed labels re-publish their windows', () => {
  it('grows version and coverage as labels arrive; the final window equals vigil evaluate on the same events', async () => {
    const { config, proc, kafka, topics, predictions } = await recorded('perf', '1s', 40)

    const latest = () => latestWindows(kafka, topics.metrics)
    // First wave: every third prediction labelled; then the rest, and one label sent twice.
    const first = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 === 0)
    await publish(kafka, topics.labels, first.map(label))
    expect(
      await waitFor(
        async () => [...(await latest()).values()].reduce((s, m) => s + m.version, 0) === first.length,
        30_000,
      ),
    ).toBe(true)
    const early = await latest()
    await publish(kafka, topics.labels, [
      ...Array.from({ length: 40 }, (_, i) => i)
        .filter((i) => i % 3 !== 0)
        .map(label),
      { ...label(5), label: 'fraud' },
    ])
    expect(
      await waitFor(
        async () => [...(await latest()).values()].reduce((s, m) => s + m.version, 0) === 40,
        30_000,
      ),
    ).toBe(true)
    const final = await latest()

    const starts = [new Date(T0).toISOString(), new Date(T0 + 3_600_000).toISOString()]
    expect([...final.keys()].sort()).toEqual(starts.map((s) => `fraud ${s}`))
    for (const start of starts) {
      const before = early.get(`fraud ${start}`)!
      const after = final.get(`fraud ${start}`)!
      expect(after.version).toBe(20)
      expect(before.version).toBeLessThan(after.version)
      expect(before.label_coverage!).toBeLessThan(after.label_coverage!)
      expect(after.label_coverage).toBe(1)
      // The same window through vigil evaluate's code on the events themselves.
      const mine = predictions.filter(
        (p) => p.timestamp >= start && Date.parse(p.timestamp) < Date.parse(start) + 3_600_000,
      )
      const labels = [...Array.from({ length: 40 }, (_, i) => label(i)), { ...label(5), label: 'fraud' }]
      const expected = evaluateModel(
        'fraud',
        mine,
        joinOutcomes(mine, labels).outcomes,
        modelConfig(config, 'fraud'),
      )
      for (const [metric, value] of Object.entries(expected.performance))
        if (typeof value === 'number')
          expect(after.performance![metric === 'n' ? 'n_labelled' : metric], metric).toBeCloseTo(value, 12)
        else if (value === null) expect(after.performance![metric], metric).toBeNull()
    }
    const stored = await queryRows<{ window_start: string; value: number; version: number | string }>(
      proc.deps.ch,
      `SELECT window_start, value, version FROM {db:Identifier}.performance_windows FINAL
        WHERE metric = 'n_labelled' ORDER BY window_start`,
    )
    expect(stored.map((r) => [Number(r.value), Number(r.version)])).toEqual([
      [20, 20],
      [20, 20],
    ])
  })

  it('recomputes a window at most once per republish_interval however many batches of labels touch it', async () => {
    // The first hour's 20 predictions, labelled in ten batches 200 ms apart.
    const { proc, kafka, topics } = await recorded('perfrate', '4s', 20)
    const began = Date.now()
    for (let b = 0; b < 10; b++) {
      await publish(kafka, topics.labels, [label(2 * b), label(2 * b + 1)])
      await new Promise((r) => setTimeout(r, 200))
    }
    const latest = () => latestWindows(kafka, topics.metrics)
    expect(
      await waitFor(async () => [...(await latest()).values()].some((m) => m.version === 20), 30_000),
    ).toBe(true)
    const elapsed = Date.now() - began
    const published = await readTopic(kafka, topics.metrics, Number.POSITIVE_INFINITY, 1_500)
    // At most one computation per 4 s since the first, which came at once; ten batches touched it.
    expect(published.length).toBeGreaterThanOrEqual(2)
    expect(published.length).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 4_000))
    const [waiting] = await queryRows<{ n: string }>(
      proc.deps.ch,
      "SELECT count() AS n FROM {db:Identifier}.window_schedule FINAL WHERE status = 'waiting'",
    )
    expect(Number(waiting?.n)).toBe(0)
  }, 60_000)
})
