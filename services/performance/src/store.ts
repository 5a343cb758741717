import {
  type ClickHouse,
  dedupToken,
  PERFORMANCE_WINDOWS,
  runQuery,
  toClickHouseTime,
  windowsParams,
  windowsPredictionCountQuery,
} from '@vigil/clickhouse'
import type { RowWrite } from '@vigil/kafka'
import { windowKey } from '@vigil/outcomes'
import type { PerformanceWindow, WindowCounts, WindowRow } from './steps/window.js'

/** Predictions stored per window, by {@link windowKey}; 0 for a window without any. */
export async function countPredictions(
  ch: ClickHouse,
  windows: readonly PerformanceWindow[],
): Promise<Map<string, number>> {
  const found = new Map(
    (await runQuery(ch, windowsPredictionCountQuery, windowsParams(windows))).map((r) => [r.window, r.n]),
  )
  return new Map(windows.map((w) => [windowKey(w), found.get(windowKey(w)) ?? 0]))
}

/** A window's rows at its version; computing the same version again inserts an identical block. */
export function windowWrite(
  w: PerformanceWindow,
  task: string,
  counts: WindowCounts,
  labelCoverage: number | null,
  rows: readonly WindowRow[],
): RowWrite {
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
