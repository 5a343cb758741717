// Synthetic joined outcomes for the fleet benchmark: the same i gives the same outcome as a row of
// `outcomes` (what the joiner stores) and as a `vigil.outcomes` message (what it publishes).
import type { OutcomeEvent } from '@vigil/events'

/**
 * Where the outcomes fall: `models` models in turn, one every `stepMs` from `startMs`. With
 * `predictions`, the prefill also stores each outcome's prediction (what fairness counts
 * selections over).
 */
export interface OutcomeSpread {
  models: number
  startMs: number
  stepMs: number
  predictions?: boolean
}

/** ISO 8601 as a DateTime64 literal of a row. */
const time = (iso: string) => iso.replace('T', ' ').replace('Z', '')

/** Three regions, unevenly: the sensitive attribute of the fairness bench. */
const region = (i: number) => ['n', 's', 'e'][(i * 7) % 5 < 3 ? 0 : (i * 7) % 5 === 3 ? 1 : 2]!

export function outcomeEvent(i: number, s: OutcomeSpread): OutcomeEvent {
  const score = ((i * 7919) % 1000) / 1000
  return {
    schema_version: 1,
    model_id: `model-${i % s.models}`,
    model_version: 'v1',
    prediction_id: `o${i}`,
    prediction_time: new Date(s.startMs + i * s.stepMs).toISOString(),
    label_time: new Date(s.startMs + i * s.stepMs + 86_400_000).toISOString(),
    prediction: { label: score > 0.7 ? 'fraud' : 'ok', probabilities: { fraud: score, ok: 1 - score } },
    attributes: { region: region(i) },
    // The truth agrees with the score more often than not: an AUC well above 0.5.
    label: score + ((i * 104_729) % 100) / 250 > 0.8 ? 'fraud' : 'ok',
  }
}

export function outcomeRow(i: number, s: OutcomeSpread) {
  const o = outcomeEvent(i, s)
  return {
    model_id: o.model_id,
    model_version: o.model_version,
    prediction_id: o.prediction_id,
    prediction_time: time(o.prediction_time),
    label_time: time(o.label_time),
    label: String(o.label),
    label_value: null,
    predicted_label: o.prediction.label ?? null,
    score: null,
    probabilities: o.prediction.probabilities ?? {},
    predicted_value: null,
    attributes: { region: region(i) },
    label_partition: 0,
    label_offset: String(i),
  }
}

/** The prediction an outcome joined, as a row of `predictions` (what the recorder stores). */
export function predictionRow(i: number, s: OutcomeSpread) {
  const o = outcomeEvent(i, s)
  return {
    model_id: o.model_id,
    model_version: o.model_version,
    prediction_id: o.prediction_id,
    event_time: time(o.prediction_time),
    num_features: {},
    cat_features: {},
    missing_features: [],
    predicted_label: o.prediction.label ?? null,
    score: null,
    probabilities: o.prediction.probabilities ?? {},
    predicted_value: null,
    attributes: { region: region(i) },
    kafka_topic: 'bench',
    kafka_partition: 0,
    kafka_offset: String(i),
  }
}
