import type { ModelConfig } from '@vigil/config'
import type { OutcomeEvent } from '@vigil/events'
import type { Input, Plan, Write } from '@vigil/kafka'
import { type Outcome, performanceOf } from '@vigil/outcomes'
import { windowWrite } from '../store.js'
import { coverage, outcomeWindows, type PerformanceWindow, performanceMessage, windowRows } from './window.js'

/** What ClickHouse holds for one window a batch touches: its outcomes and its prediction count. */
export interface WindowReading {
  outcomes: Outcome[]
  nPredictions: number
}

export const readingKey = (w: PerformanceWindow) => `${w.modelId}\u0000${w.modelVersion}\u0000${w.start}`

/** The windows some outcomes touch. */
export function touched(
  inputs: readonly Input<OutcomeEvent>[],
  settings: (modelId: string) => ModelConfig,
): PerformanceWindow[] {
  return outcomeWindows(
    inputs.map((i) => i.event),
    (m) => settings(m).window,
  )
}

/**
 * Every window the outcomes touch, computed once from what ClickHouse holds for it: its rows at
 * version = labelled predictions, then its messages on `vigil.metrics`. The service is stateless.
 */
export function planPerformance(
  inputs: readonly Input<OutcomeEvent>[],
  readings: ReadonlyMap<string, WindowReading>,
  settings: (modelId: string) => ModelConfig,
  metricsTopic: string,
): Plan<undefined> & { windows: number } {
  const writes: Write[] = []
  const messages = []
  for (const w of touched(inputs, settings)) {
    const reading = readings.get(readingKey(w))
    if (!reading) throw new Error(`no reading for window ${readingKey(w)}: read and plan disagree`)
    const counts = { nPredictions: reading.nPredictions, nLabelled: reading.outcomes.length }
    const p = performanceOf(reading.outcomes, settings(w.modelId))
    writes.push(windowWrite(w, p.task, counts, coverage(counts), windowRows(p, counts)))
    const m = performanceMessage(w, p, counts)
    messages.push({ key: m.model_id, value: JSON.stringify(m) })
  }
  writes.push({ topic: metricsTopic, messages })
  return { next: undefined, writes, windows: messages.length }
}
