import {
  type ClickHouse,
  dedupToken,
  FAIRNESS_WINDOWS,
  groupConfusionQuery,
  groupSelectionsQuery,
  type ModelWindowParams,
  predictionRecordedQuery,
  runQuery,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { Write } from '@vigil/kafka'
import type { ModelWindow } from '@vigil/outcomes'
import type { GroupCounts } from '@vigil/stats'
import type { FairnessRow } from './steps/window.js'

const windowParams = (w: ModelWindow): ModelWindowParams => ({
  model: w.modelId,
  version: w.modelVersion,
  from: toClickHouseTime(w.start),
  to: toClickHouseTime(w.end),
})

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

/**
 * Per group of `attribute`: predictions and selections over the recorded predictions of the window,
 * confusion counts over its outcomes. A selection is a predicted class equal to the positive class.
 */
export async function loadGroupCounts(
  ch: ClickHouse,
  w: ModelWindow,
  attribute: string,
  positive: string,
): Promise<{ counts: Map<string, GroupCounts>; predictions: number; labelled: number }> {
  const params = { ...windowParams(w), attribute, positive }
  const selections = await runQuery(ch, groupSelectionsQuery, params)
  const confusion = await runQuery(ch, groupConfusionQuery, params)
  const counts = new Map<string, GroupCounts>()
  for (const r of selections)
    counts.set(r.g, { n: Number(r.n), selected: Number(r.selected), tp: 0, fp: 0, fn: 0, tn: 0 })
  for (const r of confusion) {
    const c = counts.get(r.g) ?? { n: 0, selected: 0, tp: 0, fp: 0, fn: 0, tn: 0 }
    counts.set(r.g, { ...c, tp: Number(r.tp), fp: Number(r.fp), fn: Number(r.fn), tn: Number(r.tn) })
  }
  const sum = (f: (c: GroupCounts) => number) => [...counts.values()].reduce((s, c) => s + f(c), 0)
  return { counts, predictions: sum((c) => c.n), labelled: sum((c) => c.tp + c.fp + c.fn + c.tn) }
}

/** A window's rows at its version; the same version computed again inserts an identical block. */
export function windowWrite(w: ModelWindow, version: number, rows: readonly FairnessRow[]): Write {
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
