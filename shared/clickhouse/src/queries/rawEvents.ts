import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'
import { PREDICTED, type WindowsParams, windowedRows } from './windowed.js'

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

const count = z.union([z.number(), z.string()]).transform(Number)

/**
 * The highest Kafka offset of `topic`/`partition` stored in a raw table, or -1: everything at or
 * below it is durable, so a restarted recorder skips it instead of inserting it again.
 * NOTE: a scan of three narrow columns; it runs once per partition assignment, not per batch.
 */
export const storedHighWaterMarkQuery = defineQuery({
  name: 'raw.stored_high_water_mark',
  row: z.object({ high: z.union([z.number(), z.string()]).transform((v) => BigInt(v)) }),
  build: (p: { table: string; topic: string; partition: number }) => ({
    sql: `SELECT if(count() = 0, -1, toInt64(max(kafka_offset))) AS high
          FROM {db:Identifier}.{table:Identifier}
          WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}`,
    params: p,
  }),
})

/** Stored predictions of one model by id: what the joiner joins a label with. */
export const predictionsByIdQuery = defineQuery({
  name: 'predictions.by_id',
  bulk: true,
  row: z.object({
    model_id: z.string(),
    model_version: z.string(),
    prediction_id: z.string(),
    event_time: z.string(),
    predicted_label: z.string().nullable(),
    score: z.number().nullable(),
    probabilities: z.record(z.string(), z.number()),
    predicted_value: z.number().nullable(),
    attributes: z.record(z.string(), z.string()),
  }),
  build: (p: { model: string; ids: string[] }) => ({
    sql: `SELECT model_id, model_version, prediction_id, event_time, predicted_label, score, probabilities,
                 predicted_value, attributes
            FROM {db:Identifier}.predictions
           WHERE model_id = {model:String} AND prediction_id IN {ids:Array(String)}`,
    params: p,
  }),
})

/** Whether one prediction is stored (a primary-key lookup). */
export const predictionRecordedQuery = defineQuery({
  name: 'predictions.recorded',
  row: z.object({ n: count }),
  build: (p: { model: string; time: string; id: string }) => ({
    sql: `SELECT count() AS n FROM {db:Identifier}.predictions
           WHERE model_id = {model:String} AND event_time = {time:DateTime64(3, 'UTC')} AND prediction_id = {id:String}`,
    params: p,
  }),
})

/** Predictions stored per window asked for (a window without any is absent). */
export const windowsPredictionCountQuery = defineQuery({
  name: 'predictions.window_counts',
  row: z.object({ window: z.string(), n: count }),
  build: (p: WindowsParams) => ({
    sql: `SELECT window, uniqExact(prediction_id) AS n
            FROM ${windowedRows({ table: 'predictions', time: 'event_time', columns: 'prediction_id' })}
           GROUP BY window`,
    params: p,
  }),
})

/** Windows asked for, with each model's sensitive attributes and positive class. */
export type GroupWindowsParams = WindowsParams & {
  attributes: Record<string, string[]>
  positive: Record<string, string>
}

/**
 * Per window, attribute and group: predictions and selections (predicted class = the model's
 * positive class). A prediction without the attribute, or without a predicted class, is in no group of it.
 */
export const groupSelectionsQuery = defineQuery({
  name: 'predictions.group_selections',
  row: z.object({ window: z.string(), attribute: z.string(), g: z.string(), n: count, selected: count }),
  build: (p: GroupWindowsParams) => ({
    sql: `SELECT window, attribute, attributes[attribute] AS g, uniqExact(prediction_id) AS n,
                 uniqExactIf(prediction_id, class = {positive:Map(String, String)}[model_id]) AS selected
            FROM (SELECT window, model_id, prediction_id, ${PREDICTED} AS class, attributes
                    FROM ${windowedRows({ table: 'predictions', time: 'event_time', columns: 'model_id, prediction_id, predicted_label, probabilities, attributes' })})
           ARRAY JOIN {attributes:Map(String, Array(String))}[model_id] AS attribute
           WHERE mapContains(attributes, attribute) AND class IS NOT NULL
           GROUP BY window, attribute, g`,
    params: p,
  }),
})

/** A model's own traffic between two times, at most `limit` rows chosen by a hash of the id (the same every time). */
export const rangeSampleQuery = defineQuery({
  name: 'predictions.range_sample',
  bulk: true,
  row: z.object({
    num_features: z.record(z.string(), z.number()),
    cat_features: z.record(z.string(), z.string()),
    missing_features: z.array(z.string()),
    score: z.number().nullable(),
    predicted_value: z.number().nullable(),
    predicted_label: z.string().nullable(),
  }),
  build: (p: { model: string; from: string; to: string; limit: number }) => ({
    sql: `SELECT num_features, cat_features, missing_features, score, predicted_value, predicted_label
            FROM {db:Identifier}.predictions
           WHERE model_id = {model:String} AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
           ORDER BY cityHash64(prediction_id) LIMIT {limit:UInt32}`,
    params: p,
  }),
})
