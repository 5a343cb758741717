import { z } from 'zod'
import { column as c, defineTable } from '../table.js'

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
    seq: z.number().int().min(0).max(1),
  }),
)
