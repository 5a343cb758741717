import type { ModelConfig } from '@vigil/config'
import type { OutcomeEvent } from '@vigil/events'
import type { Input, Plan } from '@vigil/kafka'
import {
  type ModelWindow,
  type Performance,
  planRecompute,
  type Readings,
  type RecomputeContext,
  type Schedule,
} from '@vigil/outcomes'
import { windowWrite } from '../store.js'
import { coverage, outcomeWindows, performanceMessage, windowRows } from './window.js'

/** What ClickHouse computed for one window: its accuracy, its labelled and stored predictions. */
export interface WindowReading {
  performance: Performance
  nLabelled: number
  nPredictions: number
}

/** The windows some outcomes touch. */
export function touched(
  inputs: readonly Input<OutcomeEvent>[],
  settings: (modelId: string) => ModelConfig,
): ModelWindow[] {
  return outcomeWindows(
    inputs.map((i) => i.event),
    (m) => settings(m).window,
  )
}

/**
 * The windows `read` computed: their rows at version = labelled predictions, then their messages
 * on `vigil.metrics`; the other touched windows wait in the schedule for their interval to pass.
 */
export function planPerformance(
  schedule: Schedule,
  touchedWindows: readonly ModelWindow[],
  readings: Readings<WindowReading>,
  ctx: RecomputeContext,
): Plan<Schedule> & { windows: number } {
  return planRecompute(schedule, touchedWindows, readings, ctx, (w, reading) => {
    const counts = { nPredictions: reading.nPredictions, nLabelled: reading.nLabelled }
    const p = reading.performance
    return {
      write: windowWrite(w, p.task, counts, coverage(counts), windowRows(p, counts)),
      message: performanceMessage(w, p, counts),
    }
  })
}
