import type { MetricsMessage, OutcomeEvent } from '@vigil/events'
import type { Performance } from '@vigil/outcomes'
import { windowStart } from '@vigil/windows'

/** One accuracy window: a model version and an interval of prediction time. */
export interface PerformanceWindow {
  modelId: string
  modelVersion: string
  start: number
  end: number
}

const windowKey = (w: PerformanceWindow) => `${w.modelId}\u0000${w.modelVersion}\u0000${w.start}`

/** The windows a batch of outcomes touches, each once, in time order. */
export function touchedWindows(
  outcomes: readonly OutcomeEvent[],
  windowMs: (modelId: string) => number,
): PerformanceWindow[] {
  const out = new Map<string, PerformanceWindow>()
  for (const o of outcomes) {
    const size = windowMs(o.model_id)
    const start = windowStart(Date.parse(o.prediction_time), size)
    const w = { modelId: o.model_id, modelVersion: o.model_version, start, end: start + size }
    out.set(windowKey(w), w)
  }
  return [...out.values()].sort((a, b) => a.start - b.start || a.modelId.localeCompare(b.modelId))
}

export interface WindowCounts {
  /** Predictions stored for the window (the labelled ones included). */
  nPredictions: number
  nLabelled: number
}

/** Coverage over the predictions stored, never above 1 when labels outrun the recorder. */
export function coverage(c: WindowCounts): number | null {
  const n = Math.max(c.nPredictions, c.nLabelled)
  return n === 0 ? null : c.nLabelled / n
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
  const labelCoverage = coverage(c)
  return {
    schema_version: 1,
    family: 'performance',
    model_id: w.modelId,
    model_version: w.modelVersion,
    window_start: new Date(w.start).toISOString(),
    window_end: new Date(w.end).toISOString(),
    version: c.nLabelled,
    n: c.nLabelled,
    features: {},
    ...(labelCoverage !== null ? { label_coverage: labelCoverage } : {}),
    performance: headlineMetrics(p, c),
  }
}
