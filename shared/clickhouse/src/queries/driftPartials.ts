import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'

// The drift service's durable window state (migration 008): what each batch added to each window
// and feature (drift_partials), and its clock per partition and model (drift_state).

/** One batch's partial state of one window and feature (written_at has a default). */
export const DRIFT_PARTIALS = defineTable(
  'drift_partials',
  z.object({
    model_id: c.string,
    model_version: c.string,
    window_start: c.time,
    window_end: c.time,
    feature: c.string,
    feature_type: c.string,
    baseline: c.string,
    kafka_topic: c.string,
    kafka_partition: c.uint32,
    first_offset: c.uint64,
    last_offset: c.uint64,
    count: c.uint64,
    type_mismatches: c.uint64,
    out_of_range: c.uint64,
    sum: c.float,
    sum_squares: c.float,
    min: c.nullableFloat,
    max: c.nullableFloat,
    bins: z.array(z.number()),
    categories: z.record(z.string(), z.number()),
    sample_hashes: z.array(z.number()),
    sample_values: z.array(z.number()),
  }),
)

/** A drift partition's clock: a row per model and the partition row (key ''). */
export const DRIFT_STATE = defineTable(
  'drift_state',
  z.object({
    consumer_group: c.string,
    topic: c.string,
    partition: c.uint32,
    key: c.string,
    /** Orders saves; the newest row per key wins. */
    seq: c.uint64,
    next_offset: c.uint64,
    state: c.string,
  }),
)

/** The newest state row of every key of one partition. */
export const driftStateQuery = defineQuery({
  name: 'drift_state.latest',
  row: z.object({
    key: z.string(),
    next_offset: z.union([z.string(), z.number()]).transform((v) => BigInt(v)),
    state: z.string(),
  }),
  build: (p: { group: string; topic: string; partition: number }) => ({
    sql: `SELECT key, argMax(next_offset, seq) AS next_offset, argMax(state, seq) AS state
            FROM {db:Identifier}.drift_state
           WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}
           GROUP BY key`,
    params: p,
  }),
})

/**
 * The highest offset of a partition whose partials are stored, or null when none: a batch's
 * partials are one insert, so every offset up to it is stored too.
 */
export const partialsHighWaterQuery = defineQuery({
  name: 'drift_partials.high_water',
  row: z.object({ last: z.union([z.string(), z.number()]).nullable() }),
  build: (p: { topic: string; partition: number }) => ({
    sql: `SELECT if(count() = 0, NULL, max(last_offset)) AS last FROM {db:Identifier}.drift_partials
           WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}`,
    params: p,
  }),
})

/** A merged row of {@link mergedPartialsQuery}: one window and feature. */
export type MergedPartialRow = z.output<typeof mergedPartialsQuery.row>

/** A window of one model version, by its start (epoch ms). */
export interface PartialWindow {
  modelId: string
  modelVersion: string
  start: number
}

/**
 * The merged state of each window and feature: counts and sums added up, bins added position by
 * position, categories per name, and the `sampleSize` (hash, value) pairs with the smallest hashes
 * (ties by value), which is the same sample however the window's events were cut into batches.
 */
export const mergedPartialsQuery = defineQuery({
  name: 'drift_partials.merged',
  row: z.object({
    model_id: z.string(),
    model_version: z.string(),
    start: z.number(),
    feature: z.string(),
    feature_type: z.string(),
    baseline: z.string(),
    count: z.number(),
    type_mismatches: z.number(),
    out_of_range: z.number(),
    bins: z.array(z.number()),
    categories: z.record(z.string(), z.number()),
    /** (hash, value) pairs by hash; a hash may come as text (UInt64). */
    sample: z.array(z.tuple([z.union([z.number(), z.string()]).transform(Number), z.number()])),
  }),
  decode: { counts: ['start', 'count', 'type_mismatches', 'out_of_range'] },
  build: (p: {
    topic: string
    partition: number
    windows: readonly PartialWindow[]
    sampleSize: number
  }) => ({
    sql: `SELECT model_id, model_version, toUnixTimestamp64Milli(window_start) AS start, feature, feature_type,
                 any(baseline) AS baseline, sum(count) AS count, sum(type_mismatches) AS type_mismatches,
                 sum(out_of_range) AS out_of_range, sumForEach(bins) AS bins,
                 sumMap(categories) AS categories,
                 arraySlice(arraySort(groupArrayArray(arrayZip(sample_hashes, sample_values))),
                            1, {sampleSize:UInt32}) AS sample
            FROM {db:Identifier}.drift_partials
           WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
             AND (model_id, model_version, window_start) IN (
                 SELECT arrayJoin(arrayZip({models:Array(String)}, {versions:Array(String)},
                        arrayMap(s -> fromUnixTimestamp64Milli(s, 'UTC'), {starts:Array(Int64)}))))
           GROUP BY model_id, model_version, window_start, feature, feature_type
           ORDER BY model_id, model_version, start, feature`,
    params: {
      topic: p.topic,
      partition: p.partition,
      sampleSize: p.sampleSize,
      models: p.windows.map((w) => w.modelId),
      versions: p.windows.map((w) => w.modelVersion),
      starts: p.windows.map((w) => w.start),
    },
  }),
})
