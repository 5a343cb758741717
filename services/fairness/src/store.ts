import {
  type ClickHouse,
  dedupToken,
  FAIRNESS_WINDOWS,
  predictionRecordedQuery,
  runQuery,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { RowWrite } from '@vigil/kafka'
import type { ModelWindow } from '@vigil/outcomes'
import type { FairnessRow } from './steps/window.js'

/** The recorder has stored this prediction (so, per partition, every one before it). */
export async function isRecorded(
  ch: ClickHouse,
  p: { modelId: string; time: number; predictionId: string },
): Promise<boolean> {
  const [row] = await runQuery(ch, predictionRecordedQuery, {
    model: p.modelId,
    time: toClickHouseTime(p.time),
    id: p.predictionId,
  })
  return Number(row?.n ?? 0) > 0
}

/** A window's rows at its version; the same version computed again inserts an identical block. */
export function windowWrite(w: ModelWindow, version: number, rows: readonly FairnessRow[]): RowWrite {
  return {
    table: FAIRNESS_WINDOWS,
    rows: rows.map((r) => ({
      model_id: w.modelId,
      model_version: w.modelVersion,
      window_start: toClickHouseTime(w.start),
      window_end: toClickHouseTime(w.end),
      ...r,
      version,
    })),
    dedupToken: dedupToken('fairness', [w.modelId, w.modelVersion, String(w.start), String(version)]),
  }
}
