import type { ModelConfig } from '@vigil/config'
import type { OutcomeEvent } from '@vigil/events'
import type { Input, Plan, Write } from '@vigil/kafka'
import { type Outcome, performanceOf, recomputeWindows } from '@vigil/outcomes'
import { windowWrite } from '../store.js'
import { coverage, outcomeWindows, type PerformanceWindow, performanceMessage, windowRows } from './window.js'

/** What ClickHouse holds for one window a batch touches: its outcomes and its prediction count. */
export interface WindowReading {
  outcomes: Outcome[]
  nPredictions: number
}

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
  const { writes, messages } = recomputeWindows(touched(inputs, settings), readings, (w, reading) => {
    const counts = { nPredictions: reading.nPredictions, nLabelled: reading.outcomes.length }
    const p = performanceOf(reading.outcomes, settings(w.modelId))
    return {
      write: windowWrite(w, p.task, counts, coverage(counts), windowRows(p, counts)),
      message: performanceMessage(w, p, counts),
    }
  })
  const all: Write[] = [...writes, { topic: metricsTopic, messages }]
  return { next: undefined, writes: all, windows: messages.length }
}
