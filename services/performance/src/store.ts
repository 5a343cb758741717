import {
  type ClickHouse,
  dedupToken,
  type ModelWindowParams,
  PERFORMANCE_WINDOWS,
  runQuery,
  toClickHouseTime,
  windowOutcomesQuery,
  windowPredictionCountQuery,
} from '@vigil/clickhouse'
import type { Write } from '@vigil/kafka'
import type { Outcome } from '@vigil/outcomes'
import type { PerformanceWindow, WindowCounts, WindowRow } from './steps/window.js'

const windowParams = (w: PerformanceWindow): ModelWindowParams => ({
  model: w.modelId,
  version: w.modelVersion,
  from: toClickHouseTime(w.start),
  to: toClickHouseTime(w.end),
})

/** The window's outcomes, one per prediction (FINAL collapses an outcome published twice). */
export async function loadOutcomes(ch: ClickHouse, w: PerformanceWindow): Promise<Outcome[]> {
  const rows = await runQuery(ch, windowOutcomesQuery, windowParams(w))
  return rows.map((r) => {
    const prediction: Outcome['prediction']['prediction'] = {}
    if (r.predicted_label !== null) prediction.label = r.predicted_label
    if (r.score !== null) prediction.score = r.score
    if (Object.keys(r.probabilities).length > 0) prediction.probabilities = r.probabilities
    if (r.predicted_value !== null) prediction.value = r.predicted_value
    return {
      prediction: { model_version: w.modelVersion, prediction, attributes: r.attributes },
      label: r.label_value ?? r.label,
    }
  })
}

/** Predictions stored for the window. */
export async function countPredictions(ch: ClickHouse, w: PerformanceWindow): Promise<number> {
  const [row] = await runQuery(ch, windowPredictionCountQuery, windowParams(w))
  return Number(row?.n ?? 0)
}

/** A window's rows at its version; computing the same version again inserts an identical block. */
export function windowWrite(
  w: PerformanceWindow,
  task: string,
  counts: WindowCounts,
  labelCoverage: number | null,
  rows: readonly WindowRow[],
): Write {
  return {
    table: PERFORMANCE_WINDOWS,
    rows: rows.map((r) => ({
      model_id: w.modelId,
      model_version: w.modelVersion,
      window_start: toClickHouseTime(w.start),
      window_end: toClickHouseTime(w.end),
      task,
      class: r.class,
      metric: r.metric,
      value: r.value,
      n_predictions: counts.nPredictions,
      n_labelled: counts.nLabelled,
      label_coverage: labelCoverage,
      version: counts.nLabelled,
    })),
    dedupToken: dedupToken('performance', [
      w.modelId,
      w.modelVersion,
      String(w.start),
      String(counts.nLabelled),
      String(counts.nPredictions),
    ]),
  }
}
