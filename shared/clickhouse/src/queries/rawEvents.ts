import { z } from 'zod'
import { column as c, defineTable } from '../table.js'

/** The raw event tables (schemas/clickhouse/001_create_raw_events.sql), as inserted. */

export const PREDICTIONS = defineTable(
  'predictions',
  z.object({
    model_id: c.string,
    model_version: c.string,
    prediction_id: c.string,
    event_time: c.time,
    num_features: c.numberMap,
    cat_features: c.stringMap,
    missing_features: z.array(c.string),
    predicted_label: c.nullableString,
    score: c.nullableFloat,
    probabilities: c.numberMap,
    predicted_value: c.nullableFloat,
    attributes: c.stringMap,
    kafka_topic: c.string,
    kafka_partition: c.uint32,
    kafka_offset: c.uint64,
  }),
)
export type PredictionRow = z.input<typeof PREDICTIONS.row>

export const LABELS = defineTable(
  'labels',
  z.object({
    model_id: c.string,
    prediction_id: c.string,
    event_time: c.time,
    label: c.string,
    label_value: c.nullableFloat,
    kafka_topic: c.string,
    kafka_partition: c.uint32,
    kafka_offset: c.uint64,
  }),
)
export type LabelRow = z.input<typeof LABELS.row>

/**
 * The highest Kafka offset of `topic`/`partition` stored in `table`, or -1: everything at or
 * below it is durable, so a restarted recorder skips it instead of inserting it again.
 * NOTE: a scan of three narrow columns; it runs once per partition assignment, not per batch.
 */
export const STORED_HIGH_WATER_MARK = `
  SELECT if(count() = 0, -1, toInt64(max(kafka_offset))) AS high
  FROM {db:Identifier}.{table:Identifier}
  WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}`
