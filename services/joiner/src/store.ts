import {
  type ClickHouse,
  dedupToken,
  fromClickHouseTime,
  joinedFromQuery,
  OUTCOMES,
  PENDING_LABELS,
  predictionsByIdQuery,
  runQuery,
  toClickHouseTime,
  waitingLabelsQuery,
} from '@vigil/clickhouse'
import type { OutcomeEvent } from '@vigil/events'
import type { Write } from '@vigil/kafka'
import type { IncomingLabel, JoinedFrom, StoredPrediction } from './steps/join.js'
import { canonicalPrediction, predictionKey } from './steps/join.js'

function byModel(labels: readonly Pick<IncomingLabel, 'event'>[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const l of labels) {
    const ids = out.get(l.event.model_id) ?? []
    ids.push(l.event.prediction_id)
    out.set(l.event.model_id, ids)
  }
  return out
}

/** The stored predictions of these labels, one query per model with the ids as a parameter. */
export async function lookupPredictions(
  ch: ClickHouse,
  labels: readonly Pick<IncomingLabel, 'event'>[],
): Promise<Map<string, StoredPrediction>> {
  const found = new Map<string, StoredPrediction>()
  for (const [modelId, ids] of byModel(labels)) {
    const rows = await runQuery(ch, predictionsByIdQuery, { model: modelId, ids: [...new Set(ids)] })
    for (const r of rows) {
      const prediction = canonicalPrediction({
        label: r.predicted_label,
        score: r.score,
        probabilities: r.probabilities,
        value: r.predicted_value,
      })
      found.set(predictionKey(r.model_id, r.prediction_id), {
        modelId: r.model_id,
        modelVersion: r.model_version,
        predictionId: r.prediction_id,
        time: fromClickHouseTime(r.event_time),
        prediction,
        attributes: r.attributes,
      })
    }
  }
  return found
}

/** Which label message each already-joined prediction came from (the predictions' times bound the scan). */
export async function lookupJoined(
  ch: ClickHouse,
  predictions: readonly StoredPrediction[],
): Promise<Map<string, JoinedFrom>> {
  const joined = new Map<string, JoinedFrom>()
  const models = new Map<string, StoredPrediction[]>()
  for (const p of predictions) {
    const ps = models.get(p.modelId)
    if (ps) ps.push(p)
    else models.set(p.modelId, [p])
  }
  for (const [modelId, ps] of models) {
    let from = Number.POSITIVE_INFINITY
    let to = Number.NEGATIVE_INFINITY
    for (const p of ps) {
      from = Math.min(from, p.time)
      to = Math.max(to, p.time)
    }
    const rows = await runQuery(ch, joinedFromQuery, {
      model: modelId,
      ids: ps.map((p) => p.predictionId),
      from: toClickHouseTime(from),
      to: toClickHouseTime(to),
    })
    for (const r of rows)
      joined.set(predictionKey(modelId, r.prediction_id), {
        partition: Number(r.label_partition),
        offset: String(r.label_offset),
      })
  }
  return joined
}

/** Outcome rows; the same labels joined again insert an identical block (deduplicated). */
export function outcomesWrite(joined: readonly { outcome: OutcomeEvent; label: IncomingLabel }[]): Write {
  const rows = joined.map(({ outcome: o, label: l }) => ({
    model_id: o.model_id,
    model_version: o.model_version,
    prediction_id: o.prediction_id,
    prediction_time: toClickHouseTime(Date.parse(o.prediction_time)),
    label_time: toClickHouseTime(Date.parse(o.label_time)),
    label: String(o.label),
    label_value: typeof o.label === 'number' ? o.label : null,
    predicted_label: o.prediction.label ?? null,
    score: o.prediction.score ?? null,
    probabilities: o.prediction.probabilities ?? {},
    predicted_value: o.prediction.value ?? null,
    attributes: Object.fromEntries(Object.entries(o.attributes ?? {}).map(([k, v]) => [k, String(v)])),
    label_partition: l.partition,
    label_offset: l.offset,
  }))
  return {
    table: OUTCOMES,
    rows,
    dedupToken: dedupToken(
      'outcomes',
      joined.map(({ label: l }) => `${l.partition}:${l.offset}`),
    ),
  }
}

export type PendingStatus = 'waiting' | 'joined' | 'expired' | 'duplicate'

/**
 * Labels' states in `pending_labels`: waiting (seq = attempts so far, with the next attempt's
 * time), then how it ended (seq 255, above every waiting row).
 */
export function pendingWrite(
  labels: readonly { label: IncomingLabel; status: PendingStatus; nextAttempt?: number }[],
): Write {
  const rows = labels.map(({ label: l, status, nextAttempt }) => ({
    model_id: l.event.model_id,
    prediction_id: l.event.prediction_id,
    label_partition: l.partition,
    label_offset: l.offset,
    label_event: l.raw,
    arrived_at: toClickHouseTime(l.arrivedAt),
    status,
    seq: status === 'waiting' ? Math.min(l.attempts, 254) : 255,
    attempts: l.attempts,
    next_attempt: toClickHouseTime(nextAttempt ?? l.arrivedAt),
  }))
  return {
    table: PENDING_LABELS,
    rows,
    dedupToken: dedupToken(
      'pending',
      rows.map((r) => `${r.label_partition}:${r.label_offset}:${r.status}:${r.attempts}`),
    ),
  }
}

/** Waiting labels retried by one tick at most: a backlog is worked through over ticks. */
export const RETRY_BATCH = 10_000

/** A partition's waiting labels due for a lookup at `now`, the most overdue first (RETRY_BATCH at most). */
export async function loadWaiting(
  ch: ClickHouse,
  partition: number,
  now: number,
  parse: (raw: string) => IncomingLabel['event'] | undefined,
) {
  const rows = await runQuery(ch, waitingLabelsQuery, {
    partition,
    now: toClickHouseTime(now),
    limit: RETRY_BATCH,
  })
  return rows.flatMap((r): IncomingLabel[] => {
    const event = parse(r.label_event)
    return event
      ? [
          {
            event,
            partition: Number(r.label_partition),
            offset: r.label_offset,
            arrivedAt: fromClickHouseTime(r.arrived_at),
            raw: r.label_event,
            attempts: r.attempts,
          },
        ]
      : []
  })
}
