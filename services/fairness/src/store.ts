import {
  type ClickHouse,
  dedupToken,
  FAIRNESS_WINDOWS,
  insertRows,
  queryRows,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { ModelWindow } from '@vigil/outcomes'
import type { GroupCounts } from '@vigil/stats'
import type { FairnessRow } from './steps/window.js'

const windowParams = (w: ModelWindow) => ({
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
  const [row] = await queryRows<{ n: number | string }>(
    ch,
    `SELECT count() AS n FROM {db:Identifier}.predictions
      WHERE model_id = {model:String} AND event_time = {time:DateTime64(3, 'UTC')} AND prediction_id = {id:String}`,
    { model: p.modelId, time: toClickHouseTime(p.time), id: p.predictionId },
  )
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
  const selections = await queryRows<{ g: string; n: number | string; selected: number | string }>(
    ch,
    `SELECT attributes[{attribute:String}] AS g, uniqExact(prediction_id) AS n,
            uniqExactIf(prediction_id, predicted_label = {positive:String}) AS selected
       FROM {db:Identifier}.predictions
      WHERE model_id = {model:String} AND model_version = {version:String}
        AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
        AND mapContains(attributes, {attribute:String})
      GROUP BY g`,
    params,
  )
  const confusion = await queryRows<{
    g: string
    tp: number | string
    fp: number | string
    fn: number | string
    tn: number | string
  }>(
    ch,
    `SELECT attributes[{attribute:String}] AS g,
            countIf(predicted_label = {positive:String} AND label = {positive:String}) AS tp,
            countIf(predicted_label = {positive:String} AND label != {positive:String}) AS fp,
            countIf(ifNull(predicted_label, '') != {positive:String} AND label = {positive:String}) AS fn,
            countIf(ifNull(predicted_label, '') != {positive:String} AND label != {positive:String}) AS tn
       FROM {db:Identifier}.outcomes FINAL
      WHERE model_id = {model:String} AND model_version = {version:String}
        AND prediction_time >= {from:DateTime64(3, 'UTC')} AND prediction_time < {to:DateTime64(3, 'UTC')}
        AND mapContains(attributes, {attribute:String})
      GROUP BY g`,
    params,
  )
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
export async function saveWindow(
  ch: ClickHouse,
  w: ModelWindow,
  version: number,
  rows: readonly FairnessRow[],
) {
  await insertRows(
    ch,
    FAIRNESS_WINDOWS,
    rows.map((r) => ({
      model_id: w.modelId,
      model_version: w.modelVersion,
      window_start: toClickHouseTime(w.start),
      window_end: toClickHouseTime(w.end),
      ...r,
      version,
    })),
    { dedupToken: dedupToken('fairness', [w.modelId, w.modelVersion, String(w.start), String(version)]) },
  )
}
