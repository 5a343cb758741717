import { DEFAULT_MODEL_CONFIG } from '@vigil/config'
import type { OutcomeEvent } from '@vigil/events'
import type { Input } from '@vigil/kafka'
import { windowKey } from '@vigil/outcomes'
import { describe, expect, it } from 'vitest'
import { planPerformance, touched, type WindowReading } from './plan.js'

const H = 3_600_000
const T0 = Date.UTC(2026, 10, 24, 10)
const settings = () => ({ ...DEFAULT_MODEL_CONFIG, window: H })

function input(offset: number, t: number, label: string, predicted: string): Input<OutcomeEvent> {
  const event: OutcomeEvent = {
    schema_version: 1,
    model_id: 'm',
    model_version: 'v1',
    prediction_id: `p${offset}`,
    prediction_time: new Date(t).toISOString(),
    label_time: new Date(t + 86_400_000).toISOString(),
    prediction: { label: predicted },
    label,
  }
  return {
    topic: 'vigil.outcomes',
    partition: 0,
    offset: BigInt(offset),
    timestamp: t,
    event,
    message: {} as never,
  }
}

const reading = (pairs: [string, string][], nPredictions: number): WindowReading => ({
  outcomes: pairs.map(([label, predicted]) => ({
    prediction: { model_version: 'v1', prediction: { label: predicted }, attributes: {} },
    label,
  })),
  nPredictions,
})

describe('performance plan', () => {
  it('computes each touched window once from what ClickHouse holds, rows before the message', () => {
    const inputs = [input(0, T0 + 10, 'a', 'a'), input(1, T0 + 20, 'b', 'a'), input(2, T0 + H + 1, 'a', 'a')]
    const [w1, w2] = touched(inputs, settings)
    const readings = new Map([
      [
        windowKey(w1!),
        reading(
          [
            ['a', 'a'],
            ['b', 'a'],
            ['a', 'a'],
            ['b', 'b'],
          ],
          8,
        ),
      ],
      [windowKey(w2!), reading([['a', 'a']], 1)],
    ])
    const plan = planPerformance(inputs, readings, settings, 'vigil.metrics')
    expect(plan.windows).toBe(2)
    expect(plan.writes.map((w) => ('table' in w ? w.table.name : w.topic))).toEqual([
      'performance_windows',
      'performance_windows',
      'vigil.metrics',
    ])
    const first = plan.writes[0]!
    if (!('table' in first)) throw new Error('rows first')
    const accuracy = first.rows.find((r) => (r as { metric: string }).metric === 'accuracy')
    expect(accuracy).toMatchObject({ value: 0.75, version: 4, n_predictions: 8, label_coverage: 0.5 })
    // The same readings give the same block: a retried insert is deduplicated.
    expect(planPerformance(inputs, readings, settings, 'vigil.metrics').writes).toEqual(plan.writes)
  })

  it('refuses to plan a window it was given no reading for', () => {
    expect(() => planPerformance([input(0, T0, 'a', 'a')], new Map(), settings, 'vigil.metrics')).toThrow(
      /no reading/,
    )
  })
})
