import type { MetricsMessage, OutcomeEvent } from '@vigil/events'
import {
  labelCoverage,
  type ModelWindow,
  type Performance,
  touchedWindows,
  windowMessage,
} from '@vigil/outcomes'

/** One accuracy window: a model version and an interval of prediction time. */
export type PerformanceWindow = ModelWindow

/** The windows a batch of outcomes touches, each once, in time order. */
export function outcomeWindows(
  outcomes: readonly OutcomeEvent[],
  windowMs: (modelId: string) => number,
): PerformanceWindow[] {
  return touchedWindows(
    outcomes.map((o) => ({
      modelId: o.model_id,
      modelVersion: o.model_version,
      time: Date.parse(o.prediction_time),
    })),
    windowMs,
  )
}

export interface WindowCounts {
  /** Predictions stored for the window (the labelled ones included). */
  nPredictions: number
  nLabelled: number
}

/** Coverage over the predictions stored when the window was computed. */
export function coverage(c: WindowCounts): number | null {
  return labelCoverage(c.nPredictions, c.nLabelled)
}

/** The window's metrics as numbers by name: the headline ones and the counts (per class apart). */
export function headlineMetrics(p: Performance, c: WindowCounts): Record<string, number | null> {
  const out: Record<string, number | null> = {}
  for (const [k, v] of Object.entries(p.performance)) if (typeof v === 'number' || v === null) out[k] = v
  delete out.n
  out.n_labelled = c.nLabelled
  out.n_predictions = c.nPredictions
  return out
}

export interface WindowRow {
  class: string
  metric: string
  value: number | null
}

/** Long-format rows: '' for the window's metrics, a class for per-class ones and the confusion counts. */
export function windowRows(p: Performance, c: WindowCounts): WindowRow[] {
  const rows: WindowRow[] = Object.entries(headlineMetrics(p, c)).map(([metric, value]) => ({
    class: '',
    metric,
    value,
  }))
  const perf = p.performance
  if ('per_class' in perf) {
    for (const [cls, m] of Object.entries(perf.per_class))
      for (const [metric, value] of Object.entries(m)) rows.push({ class: cls, metric, value })
    const { labels, matrix } = perf.confusion_matrix
    // confusion:<predicted class> on the row of the true class.
    for (const [i, actual] of labels.entries())
      for (const [j, predicted] of labels.entries())
        rows.push({ class: actual, metric: `confusion:${predicted}`, value: matrix[i]![j]! })
  }
  return rows
}

/** The `vigil.metrics` message of a window; version = labelled predictions, so it grows with labels. */
export function performanceMessage(w: PerformanceWindow, p: Performance, c: WindowCounts): MetricsMessage {
  return {
    ...windowMessage('performance', w, { version: c.nLabelled, n: c.nLabelled, labelCoverage: coverage(c) }),
    performance: headlineMetrics(p, c),
  }
}
