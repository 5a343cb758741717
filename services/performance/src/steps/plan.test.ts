import { DEFAULT_MODEL_CONFIG } from '@vigil/config'
import type { OutcomeEvent } from '@vigil/events'
import type { Input, Write } from '@vigil/kafka'
import {
  computeNow,
  dueWindows,
  emptySchedule,
  type ModelWindow,
  performanceOf,
  windowKey,
} from '@vigil/outcomes'
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

const reading = (window: ModelWindow, pairs: [string, string][], nPredictions: number) => ({
  window,
  reading: {
    performance: performanceOf(
      pairs.map(([label, predicted]) => ({
        prediction: { model_version: 'v1', prediction: { label: predicted }, attributes: {} },
        label,
      })),
      settings(),
    ),
    nLabelled: pairs.length,
    nPredictions,
  } satisfies WindowReading,
})

const owner = { group: 'g', topic: 'vigil.outcomes', partition: 0 }
const context = (now: number) => ({ owner, now, intervalMs: 30_000, metricsTopic: 'vigil.metrics' })
const rowsOf = (w: Write | undefined) => (w && 'table' in w ? w.rows : [])
const kinds = (plan: { writes: Write[] }) => plan.writes.map((w) => ('table' in w ? w.table.name : w.topic))

describe('performance plan', () => {
  it('computes each window read once, both windows in one insert before the messages', () => {
    const inputs = [input(0, T0 + 10, 'a', 'a'), input(1, T0 + 20, 'b', 'a'), input(2, T0 + H + 1, 'a', 'a')]
    const [w1, w2] = touched(inputs, settings)
    const pairs: [string, string][] = [
      ['a', 'a'],
      ['b', 'a'],
      ['a', 'a'],
      ['b', 'b'],
    ]
    const readings = new Map([
      [windowKey(w1!), reading(w1!, pairs, 8)],
      [windowKey(w2!), reading(w2!, [['a', 'a']], 1)],
    ])
    const plan = planPerformance(emptySchedule(), touched(inputs, settings), readings, context(T0))
    expect(plan.windows).toBe(2)
    expect(kinds(plan)).toEqual(['performance_windows', 'vigil.metrics'])
    const first = plan.writes[0]!
    if (!('table' in first)) throw new Error('rows first')
    expect(new Set(first.rows.map((r) => (r as { window_start: string }).window_start)).size).toBe(2)
    const accuracy = first.rows.find((r) => (r as { metric: string }).metric === 'accuracy')
    expect(accuracy).toMatchObject({ value: 0.75, version: 4, n_predictions: 8, label_coverage: 0.5 })
    // The same readings give the same block: a retried insert is deduplicated.
    expect(planPerformance(emptySchedule(), touched(inputs, settings), readings, context(T0)).writes).toEqual(
      plan.writes,
    )
  })

  it('computes a window at most once per interval however many batches touch it', () => {
    const batch = (offset: number) => [input(offset, T0 + offset, 'a', 'a')]
    const [w] = touched(batch(0), settings)
    const key = windowKey(w!)
    let schedule = emptySchedule()
    let computations = 0
    const step = (now: number, inputs: Input<OutcomeEvent>[] | undefined) => {
      const due = inputs
        ? computeNow(schedule, touched(inputs, settings), now, 30_000)
        : dueWindows(schedule, now)
      const readings = new Map(due.map((x) => [windowKey(x), reading(x, [['a', 'a']], 1)]))
      const plan = planPerformance(schedule, inputs ? touched(inputs, settings) : [], readings, context(now))
      computations += plan.windows
      schedule = plan.next
      return plan
    }
    // The first touch computes at once.
    expect(kinds(step(T0, batch(0)))).toEqual(['performance_windows', 'vigil.metrics'])
    // Within the interval: the window waits, durably, due 30 s after its computation.
    const waits = step(T0 + 5_000, batch(1))
    expect(kinds(waits)).toEqual(['window_schedule'])
    expect(rowsOf(waits.writes[0])).toMatchObject([{ status: 'waiting', due: '2026-11-24 10:00:30.000' }])
    // Touched again while waiting: nothing more to write.
    expect(step(T0 + 10_000, batch(2)).writes).toEqual([])
    expect(step(T0 + 20_000, undefined).windows).toBe(0)
    // Due: the tick computes it once for the three batches, and marks it done.
    const tick = step(T0 + 30_000, undefined)
    expect(kinds(tick)).toEqual(['performance_windows', 'vigil.metrics', 'window_schedule'])
    expect(rowsOf(tick.writes[2])).toMatchObject([{ status: 'done' }])
    expect(schedule.waiting.has(key)).toBe(false)
    expect(computations).toBe(2)
  })

  it('with no interval computes every touched window on every batch', () => {
    const inputs = [input(0, T0, 'a', 'a')]
    const [w] = touched(inputs, settings)
    const once = planPerformance(
      emptySchedule(),
      [w!],
      new Map([[windowKey(w!), reading(w!, [['a', 'a']], 1)]]),
      {
        ...context(T0),
        intervalMs: 0,
      },
    )
    expect(computeNow(once.next, [w!], T0, 0)).toEqual([w])
  })

  it('a window the read found nothing for publishes nothing and stops waiting', () => {
    const [w] = touched([input(0, T0, 'a', 'a')], settings)
    const waiting = planPerformance(emptySchedule(), [w!], new Map(), context(T0)).next
    expect(waiting.waiting.size).toBe(1)
    const tick = planPerformance(
      waiting,
      [],
      new Map([[windowKey(w!), { window: w!, reading: undefined }]]),
      context(T0 + 30_000),
    )
    expect(tick.windows).toBe(0)
    expect(kinds(tick)).toEqual(['window_schedule'])
    expect(tick.next.waiting.size).toBe(0)
  })
})
