import { type LabelRow, type PredictionRow, toClickHouseTime } from '@vigil/clickhouse'
import type { LabelEvent, PredictionEvent, Scalar } from '@vigil/events'

export interface Provenance {
  topic: string
  partition: number
  offset: string
}

/** A valid prediction event → its `predictions` row: features split by kind, times in UTC. */
export function toPredictionRow(e: PredictionEvent, from: Provenance): PredictionRow {
  const num_features: Record<string, number> = {}
  const cat_features: Record<string, string> = {}
  const missing_features: string[] = []
  for (const [name, value] of Object.entries(e.features)) {
    if (value === null) missing_features.push(name)
    else if (typeof value === 'number') num_features[name] = value
    else cat_features[name] = String(value)
  }
  return {
    model_id: e.model_id,
    model_version: e.model_version,
    prediction_id: e.prediction_id,
    event_time: toClickHouseTime(Date.parse(e.timestamp)),
    num_features,
    cat_features,
    missing_features,
    predicted_label: e.prediction.label ?? null,
    score: e.prediction.score ?? null,
    probabilities: e.prediction.probabilities ?? {},
    predicted_value: e.prediction.value ?? null,
    attributes: stringMap(e.attributes),
    kafka_topic: from.topic,
    kafka_partition: from.partition,
    kafka_offset: from.offset,
  }
}

export function toLabelRow(e: LabelEvent, from: Provenance): LabelRow {
  return {
    model_id: e.model_id,
    prediction_id: e.prediction_id,
    event_time: toClickHouseTime(Date.parse(e.timestamp)),
    label: String(e.label),
    label_value: typeof e.label === 'number' ? e.label : null,
    kafka_topic: from.topic,
    kafka_partition: from.partition,
    kafka_offset: from.offset,
  }
}

/** Attributes are segments: every non-null value as text (`true`, `42`). */
function stringMap(values: Record<string, Scalar> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(values ?? {})) if (v !== null) out[k] = String(v)
  return out
}
