import {
  type ClickHouse,
  dedupToken,
  type ModelWindowParams,
  PERFORMANCE_WINDOWS,
  runQuery,
  toClickHouseTime,
  windowPredictionCountQuery,
} from '@vigil/clickhouse'
import type { Write } from '@vigil/kafka'
import type { PerformanceWindow, WindowCounts, WindowRow } from './steps/window.js'

const windowParams = (w: PerformanceWindow): ModelWindowParams => ({
  model: w.modelId,
  version: w.modelVersion,
  from: toClickHouseTime(w.start),
  to: toClickHouseTime(w.end),
})

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
