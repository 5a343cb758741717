import {
  type ClickHouse,
  dedupToken,
  insertRows,
  PERFORMANCE_WINDOWS,
  queryRows,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { Outcome } from '@vigil/outcomes'
import type { PerformanceWindow, WindowCounts, WindowRow } from './steps/window.js'

interface OutcomeRow {
  label: string
  label_value: number | null
  predicted_label: string | null
  score: number | null
  probabilities: Record<string, number>
  predicted_value: number | null
  attributes: Record<string, string>
}

const windowParams = (w: PerformanceWindow) => ({
  model: w.modelId,
  version: w.modelVersion,
  from: toClickHouseTime(w.start),
  to: toClickHouseTime(w.end),
})

/** The window's outcomes, one per prediction (FINAL collapses an outcome published twice). */
export async function loadOutcomes(ch: ClickHouse, w: PerformanceWindow): Promise<Outcome[]> {
  const rows = await queryRows<OutcomeRow>(
    ch,
    `SELECT label, label_value, predicted_label, score, probabilities, predicted_value, attributes
       FROM {db:Identifier}.outcomes FINAL
      WHERE model_id = {model:String} AND model_version = {version:String}
        AND prediction_time >= {from:DateTime64(3, 'UTC')} AND prediction_time < {to:DateTime64(3, 'UTC')}
      ORDER BY prediction_id`,
    windowParams(w),
  )
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
  const [row] = await queryRows<{ n: number | string }>(
    ch,
    `SELECT uniqExact(prediction_id) AS n
       FROM {db:Identifier}.predictions
      WHERE model_id = {model:String} AND model_version = {version:String}
        AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}`,
    windowParams(w),
  )
  return Number(row?.n ?? 0)
}

/** A window's rows at its version; computing the same version again inserts an identical block. */
export async function saveWindow(
  ch: ClickHouse,
  w: PerformanceWindow,
  task: string,
  counts: WindowCounts,
  labelCoverage: number | null,
  rows: readonly WindowRow[],
): Promise<void> {
  await insertRows(
    ch,
    PERFORMANCE_WINDOWS,
    rows.map((r) => ({
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
    {
      dedupToken: dedupToken('performance', [
        w.modelId,
        w.modelVersion,
        String(w.start),
        String(counts.nLabelled),
        String(counts.nPredictions),
      ]),
    },
  )
}
