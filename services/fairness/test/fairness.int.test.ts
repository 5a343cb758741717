import { queryRows } from '@vigil/clickhouse'
import { modelConfig } from '@vigil/config'
import { createJoiner } from '@vigil/joiner'
import { evaluateModel, joinOutcomes } from '@vigil/outcomes'
import { createRecorder } from '@vigil/recorder'
import { fraudLabel, fraudPrediction, latestWindows, publish, startServices, waitFor } from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createFairness } from '../src/service.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

describe('fairness service', () => {
  it('publishes selection rates from predictions, then the label-based rates as labels arrive', async () => {
    const { config, proc, kafka } = await startServices(
      'fair',
      `joiner:\n  retry_interval: 500ms\nfairness:\n  republish_interval: 1s\nmodels:\n  fraud:\n    window: 1h\n    positive_class: fraud\n    sensitive_attributes:\n      group: { reference_group: a }\n`,
      [createRecorder, createJoiner, createFairness],
    )
    cleanup.push(() => proc.stop())
    const { topics } = config.kafka
    const latest = () => latestWindows(kafka, topics.metrics)
    const predictions = Array.from({ length: 40 }, (_, i) => fraudPrediction(i))
    await publish(kafka, topics.predictions, predictions)
    // Before any label: selection rates of both groups, label-based rates undefined.
    const predicted = async () => [...(await latest()).values()].reduce((s, m) => s + m.n, 0) === 40
    expect(await waitFor(predicted, 30_000)).toBe(true)
    const before = [...(await latest()).values()][0]!
    expect(before.fairness!.group!.reference_group).toBe('a')
    expect(before.fairness!.group!.groups.b!.selection_rate).toBeTypeOf('number')
    expect(before.fairness!.group!.groups.b!.tpr).toBeNull()

    const labels = Array.from({ length: 40 }, (_, i) => fraudLabel(i))
    await publish(kafka, topics.labels, labels)
    const labelled = async () => [...(await latest()).values()].every((m) => m.label_coverage === 1)
    expect(await waitFor(labelled, 30_000)).toBe(true)
    const windows = await latest()
    expect(windows.size).toBe(2)
    for (const m of windows.values()) {
      const start = Date.parse(m.window_start)
      const mine = predictions.filter(
        (p) => Date.parse(p.timestamp) >= start && Date.parse(p.timestamp) < start + 3_600_000,
      )
      const expected = evaluateModel(
        'fraud',
        mine,
        joinOutcomes(mine, labels).outcomes,
        modelConfig(config, 'fraud'),
      )
      for (const [group, metrics] of Object.entries(expected.fairness.group!.groups))
        for (const [metric, value] of Object.entries(metrics)) {
          if (metric === 'n' || metric === 'n_labelled') continue
          const got = m.fairness!.group!.groups[group]![metric]
          if (value === null) expect(got, `${group} ${metric}`).toBeNull()
          else expect(got, `${group} ${metric}`).toBeCloseTo(value, 12)
        }
    }
    const rows = await queryRows<{ n: number | string }>(
      proc.deps.ch,
      `SELECT count() AS n FROM {db:Identifier}.fairness_windows FINAL WHERE metric = 'disparate_impact'`,
    )
    expect(Number(rows[0]!.n)).toBe(4) // 2 windows × 2 groups
  })
})
