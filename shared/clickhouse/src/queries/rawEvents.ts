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
  kafka_topic: string
  kafka_partition: number
  kafka_offset: string
}

export interface LabelRow {
  model_id: string
  prediction_id: string
  event_time: string
  label: string
  label_value: number | null
  kafka_topic: string
  kafka_partition: number
  kafka_offset: string
}

/**
 * The highest Kafka offset of `topic`/`partition` stored in `table`, or -1: everything at or
 * below it is durable, so a restarted recorder skips it instead of inserting it again.
 * NOTE: a scan of three narrow columns; it runs once per partition assignment, not per batch.
 */
export const STORED_HIGH_WATER_MARK = `
  SELECT if(count() = 0, -1, toInt64(max(kafka_offset))) AS high
  FROM {db:Identifier}.{table:Identifier}
  WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}`
