/** Row shapes of the raw event tables (schemas/clickhouse/001_create_raw_events.sql), as inserted. */

export const PREDICTIONS_TABLE = 'predictions'
export const LABELS_TABLE = 'labels'

export interface PredictionRow {
  model_id: string
  model_version: string
  prediction_id: string
  /** `YYYY-MM-DD hh:mm:ss.sss`, UTC */
  event_time: string
  num_features: Record<string, number>
  cat_features: Record<string, string>
  missing_features: string[]
  predicted_label: string | null
  score: number | null
  probabilities: Record<string, number>
  predicted_value: number | null
  attributes: Record<string, string>
  kafka_partition: number
  kafka_offset: string
}

export interface LabelRow {
  model_id: string
  prediction_id: string
  event_time: string
  label: string
  label_value: number | null
  kafka_partition: number
  kafka_offset: string
}
