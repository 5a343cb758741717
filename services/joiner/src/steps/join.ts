import type { LabelEvent, OutcomeEvent, PredictionEvent } from '@vigil/events'

/** A label as the joiner holds it: the event, the message it came in, and when it arrived. */
export interface IncomingLabel {
  event: LabelEvent
  partition: number
  offset: string
  /** The label message's timestamp (epoch ms): the horizon counts from it, the same on every replay. */
  arrivedAt: number
  /** The message value as received, kept for the pending table and the DLQ. */
  raw: string
  /** Lookups that found no prediction for it so far (0 for a label new in this batch). */
  attempts: number
}

/** The longest wait between two lookups of a waiting label (unless retry_interval is longer). */
export const MAX_RETRY_INTERVAL = 3_600_000

/**
 * When a label still waiting after `attempts` lookups is looked up again: the interval doubles
 * from `retryIntervalMs` up to an hour, so the cost of a backlog falls as it ages; and at the
 * horizon (`deadline`) at the latest, when it expires.
 */
export function nextAttempt(
  now: number,
  attempts: number,
  retryIntervalMs: number,
  deadline: number,
): number {
  const cap = Math.max(retryIntervalMs, MAX_RETRY_INTERVAL)
  return Math.min(
    now + Math.min(retryIntervalMs * 2 ** Math.max(0, attempts - 1), cap),
    Math.max(now, deadline),
  )
}

/** A prediction as stored in ClickHouse `predictions`. */
export interface StoredPrediction {
  modelId: string
  modelVersion: string
  predictionId: string
  time: number
  prediction: PredictionEvent['prediction']
  attributes: Record<string, string>
}

/** Which label message an earlier outcome of a prediction was joined from. */
export interface JoinedFrom {
  partition: number
  offset: string
}

export interface JoinPlan {
  /** New outcomes, and outcomes of labels processed again after a crash (same content). */
  outcomes: { outcome: OutcomeEvent; label: IncomingLabel }[]
  /** No prediction yet: wait and look again. */
  waiting: IncomingLabel[]
  /** No prediction within the horizon: to the DLQ with the reason. */
  expired: { label: IncomingLabel; reason: string }[]
  /** A second label for a joined prediction: the first one counts. */
  duplicates: IncomingLabel[]
}

/**
 * A prediction's answer with its fields in one order and an empty `probabilities` left out, so
 * an outcome reads the same whether the prediction came from the index or from ClickHouse.
 */
export function canonicalPrediction(p: {
  label?: string | null
  score?: number | null
  probabilities?: Record<string, number>
  value?: number | null
}): PredictionEvent['prediction'] {
  const out: PredictionEvent['prediction'] = {}
  if (p.label !== undefined && p.label !== null) out.label = p.label
  if (p.score !== undefined && p.score !== null) out.score = p.score
  if (p.probabilities && Object.keys(p.probabilities).length > 0) out.probabilities = p.probabilities
  if (p.value !== undefined && p.value !== null) out.value = p.value
  return out
}

export const predictionKey = (modelId: string, predictionId: string) => `${modelId}\u0000${predictionId}`

/**
 * Decides, for labels in order, what becomes of each. Pure: the lookups are done by the caller.
 * A label whose prediction already has an outcome from the same label message is joined again
 * (a batch processed again after a crash publishes what it published before); from another
 * message it is a duplicate.
 */
export function planJoin(
  labels: readonly IncomingLabel[],
  predictions: ReadonlyMap<string, StoredPrediction>,
  joined: ReadonlyMap<string, JoinedFrom>,
  now: number,
  horizonMs: number,
): JoinPlan {
  const plan: JoinPlan = { outcomes: [], waiting: [], expired: [], duplicates: [] }
  const taken = new Map(joined)
  for (const label of labels) {
    const k = predictionKey(label.event.model_id, label.event.prediction_id)
    const before = taken.get(k)
    if (before && (before.partition !== label.partition || before.offset !== label.offset)) {
      plan.duplicates.push(label)
      continue
    }
    const p = predictions.get(k)
    if (p) {
      taken.set(k, { partition: label.partition, offset: label.offset })
      plan.outcomes.push({ outcome: toOutcome(p, label.event), label })
    } else if (now - label.arrivedAt >= horizonMs) {
      plan.expired.push({
        label,
        reason: `no prediction ${label.event.prediction_id} of model ${label.event.model_id} arrived within ${formatHorizon(horizonMs)} of the label`,
      })
    } else plan.waiting.push(label)
  }
  return plan
}

export function toOutcome(p: StoredPrediction, label: LabelEvent): OutcomeEvent {
  return {
    schema_version: 1,
    model_id: p.modelId,
    model_version: p.modelVersion,
    prediction_id: p.predictionId,
    prediction_time: new Date(p.time).toISOString(),
    label_time: new Date(Date.parse(label.timestamp)).toISOString(),
    prediction: p.prediction,
    ...(Object.keys(p.attributes).length > 0 ? { attributes: p.attributes } : {}),
    label: label.label,
  }
}

function formatHorizon(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`
  return `${ms / 1000} s`
}
