import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'
import type { ModelWindowParams } from './rawEvents.js'

// The outcome tables (schemas/clickhouse/004_create_outcome_tables.sql): predictions joined with
// their labels, and labels waiting for their prediction.

/** One joined prediction; `label_partition`/`label_offset` name the label message (joined_at has a default). */
export const OUTCOMES = defineTable(
  'outcomes',
  z.object({
    model_id: c.string,
    model_version: c.string,
    prediction_id: c.string,
    prediction_time: c.time,
    label_time: c.time,
    label: c.string,
    label_value: c.nullableFloat,
    predicted_label: c.nullableString,
    score: c.nullableFloat,
    probabilities: c.numberMap,
    predicted_value: c.nullableFloat,
    attributes: c.stringMap,
    label_partition: c.uint32,
    label_offset: c.uint64,
  }),
)

/** A label's state: waiting (seq 0), then how it ended (seq 1). */
export const PENDING_LABELS = defineTable(
  'pending_labels',
  z.object({
    model_id: c.string,
    prediction_id: c.string,
    label_partition: c.uint32,
    label_offset: c.uint64,
    /** The label message as it arrived, to join it later. */
    label_event: c.string,
    arrived_at: c.time,
    status: z.enum(['waiting', 'joined', 'expired', 'duplicate']),
    /** Waiting: the attempts so far (at most 254); a final state: 255, which outranks them. */
    seq: z.number().int().min(0).max(255),
    attempts: z.number().int().min(0).max(65_535),
    next_attempt: c.time,
  }),
)

const count = z.union([z.number(), z.string()]).transform(Number)

/** A model version's window of prediction time: its outcomes, one per prediction (FINAL collapses one published twice). */
export const windowOutcomesQuery = defineQuery({
  name: 'outcomes.window',
  bulk: true,
  row: z.object({
    label: z.string(),
    label_value: z.number().nullable(),
    predicted_label: z.string().nullable(),
    score: z.number().nullable(),
    probabilities: z.record(z.string(), z.number()),
    predicted_value: z.number().nullable(),
    attributes: z.record(z.string(), z.string()),
  }),
  build: (p: ModelWindowParams) => ({
    sql: `SELECT label, label_value, predicted_label, score, probabilities, predicted_value, attributes
            FROM {db:Identifier}.outcomes FINAL
           WHERE model_id = {model:String} AND model_version = {version:String}
             AND prediction_time >= {from:DateTime64(3, 'UTC')} AND prediction_time < {to:DateTime64(3, 'UTC')}
           ORDER BY prediction_id`,
    params: p,
  }),
})

/** Per group of an attribute: the confusion counts of the window's outcomes against the positive class. */
export const groupConfusionQuery = defineQuery({
  name: 'outcomes.group_confusion',
  row: z.object({ g: z.string(), tp: count, fp: count, fn: count, tn: count }),
  build: (p: ModelWindowParams & { attribute: string; positive: string }) => ({
    sql: `SELECT attributes[{attribute:String}] AS g,
                 countIf(predicted_label = {positive:String} AND label = {positive:String}) AS tp,
                 countIf(predicted_label = {positive:String} AND label != {positive:String}) AS fp,
                 countIf(ifNull(predicted_label, '') != {positive:String} AND label = {positive:String}) AS fn,
                 countIf(ifNull(predicted_label, '') != {positive:String} AND label != {positive:String}) AS tn
            FROM {db:Identifier}.outcomes FINAL
           WHERE model_id = {model:String} AND model_version = {version:String}
             AND prediction_time >= {from:DateTime64(3, 'UTC')} AND prediction_time < {to:DateTime64(3, 'UTC')}
             AND mapContains(attributes, {attribute:String})
           GROUP BY g`,
    params: p,
  }),
})

/** Which label message each already-joined prediction came from (the predictions' times bound the scan). */
export const joinedFromQuery = defineQuery({
  name: 'outcomes.joined_from',
  row: z.object({ prediction_id: z.string(), label_partition: count, label_offset: z.string() }),
  build: (p: { model: string; ids: string[]; from: string; to: string }) => ({
    sql: `SELECT prediction_id, any(label_partition) AS label_partition, toString(any(label_offset)) AS label_offset
            FROM {db:Identifier}.outcomes
           WHERE model_id = {model:String} AND prediction_id IN {ids:Array(String)}
             AND prediction_time BETWEEN {from:DateTime64(3, 'UTC')} AND {to:DateTime64(3, 'UTC')}
           GROUP BY prediction_id`,
    params: p,
  }),
})

/** A partition's waiting labels whose next attempt is due at `now`, the most overdue first, at most `limit`. */
export const waitingLabelsQuery = defineQuery({
  name: 'pending_labels.waiting',
  row: z.object({
    label_partition: count,
    label_offset: z.string(),
    label_event: z.string(),
    arrived_at: z.string(),
    attempts: count,
  }),
  build: (p: { partition: number; now: string; limit: number }) => ({
    sql: `SELECT label_partition, toString(label_offset) AS label_offset, label_event, arrived_at, attempts
            FROM {db:Identifier}.pending_labels FINAL
           WHERE status = 'waiting' AND label_partition = {partition:UInt32} AND next_attempt <= {now:DateTime64(3)}
           ORDER BY next_attempt, label_offset
           LIMIT {limit:UInt32}`,
    params: p,
  }),
})
