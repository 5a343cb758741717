import { DEFAULT_MODEL_CONFIG } from '@vigil/config'
import type { OutcomeEvent } from '@vigil/events'
import { performanceOf } from '@vigil/outcomes'
import { describe, expect, it } from 'vitest'
import { coverage, outcomeWindows, performanceMessage, windowRows } from './window.js'

const H = 3_600_000
const T0 = Date.UTC(2026, 10, 24, 10)

function outcome(model: string, t: number): OutcomeEvent {
  return {
    schema_version: 1,
    model_id: model,
    model_version: 'v1',
    prediction_id: `${model}-${t}`,
    prediction_time: new Date(t).toISOString(),
    label_time: new Date(t + 2 * 86_400_000).toISOString(),
    prediction: { label: 'ok' },
    label: 'ok',
  }
}

describe('performance windows', () => {
  it('touches each window of prediction time once, in time order, per model window size', () => {
    const ws = outcomeWindows(
      [outcome('a', T0 + H + 5), outcome('a', T0 + 10), outcome('a', T0 + 20), outcome('b', T0 + 10)],
      (m) => (m === 'b' ? 24 * H : H),
    )
    expect(ws.map((w) => [w.modelId, w.start - T0, w.end - w.start])).toEqual([
      ['b', -10 * H, 24 * H],
      ['a', 0, H],
      ['a', H, H],
    ])
  })

  it('coverage never exceeds 1 when labels outrun the recorded predictions', () => {
    expect(coverage({ nPredictions: 10, nLabelled: 4 })).toBe(0.4)
    expect(coverage({ nPredictions: 2, nLabelled: 4 })).toBe(1)
    expect(coverage({ nPredictions: 0, nLabelled: 0 })).toBeNull()
  })

  it('publishes version = labelled predictions, and stores per-class rows and the confusion counts', () => {
    const outcomes = [
      { prediction: { model_version: 'v1', prediction: { label: 'fraud' } }, label: 'fraud' },
      { prediction: { model_version: 'v1', prediction: { label: 'ok' } }, label: 'fraud' },
      { prediction: { model_version: 'v1', prediction: { label: 'ok' } }, label: 'ok' },
    ]
    const p = performanceOf(outcomes, { ...DEFAULT_MODEL_CONFIG, positive_class: 'fraud' })
    const counts = { nPredictions: 6, nLabelled: 3 }
    const m = performanceMessage({ modelId: 'm', modelVersion: 'v1', start: T0, end: T0 + H }, p, counts)
    expect(m).toMatchObject({ family: 'performance', version: 3, n: 3, label_coverage: 0.5 })
    expect(m.performance).toMatchObject({ accuracy: 2 / 3, recall: 0.5, n_labelled: 3, n_predictions: 6 })
    const rows = windowRows(p, counts)
    expect(rows).toContainEqual({ class: 'fraud', metric: 'confusion:ok', value: 1 })
    expect(rows).toContainEqual({ class: 'ok', metric: 'precision', value: 0.5 })
    expect(rows.filter((r) => r.metric === 'n')).toEqual([])
  })
})
