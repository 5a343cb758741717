import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'

// The drift service's durable window state (migration 008): what each batch added to each window
// and feature (drift_partials), and its clock per partition and model (drift_state).

/** A UInt64 as JSON gives it: a number, or text where 64-bit integers are quoted. */
const uint64 = z.union([z.number(), z.string()]).transform(Number)

/** One batch's partial state of one window, a Nested entry per feature (written_at has a default). */
export const DRIFT_PARTIALS = defineTable(
  'drift_partials',
  z.object({
    model_id: c.string,
    model_version: c.string,
    window_start: c.time,
    window_end: c.time,
    baseline: c.string,
    kafka_topic: c.string,
    kafka_partition: c.uint32,
    first_offset: c.uint64,
    last_offset: c.uint64,
    events: c.uint64,
    'features.name': z.array(z.string()),
    'features.type': z.array(z.string()),
    'features.count': z.array(z.number()),
    'features.type_mismatches': z.array(z.number()),
    'features.out_of_range': z.array(z.number()),
    'features.sum': z.array(z.number()),
    'features.sum_squares': z.array(z.number()),
    'features.min': z.array(z.number().nullable()),
    'features.max': z.array(z.number().nullable()),
    'features.bins': z.array(z.array(z.number())),
    'features.categories': z.array(z.record(z.string(), z.number())),
    'features.sample_hashes': z.array(z.array(z.number())),
    'features.sample_values': z.array(z.array(z.number())),
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
 * (ties by value), which is the same sample however the window's events were cut into batches,
 * as two arrays in that order (hashes as Float64: exact, they are below 2^53).
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
    sample_hashes: z.array(z.number()),
    sample_values: z.array(z.number()),
  }),
  decode: { counts: ['start', 'count', 'type_mismatches', 'out_of_range'] },
  // Hundreds of windows × features, samples of up to sampleSize values each: the first row is
  // checked, not every number of every sample (docs/benchmarks.md, fleet scale).
  bulk: true,
  build: (p: {
    topic: string
    partition: number
    windows: readonly PartialWindow[]
    sampleSize: number
  }) => ({
    // The window's own row (`__model__`: its events), then a row per feature from ARRAY JOIN.
    sql: `SELECT model_id, model_version, toUnixTimestamp64Milli(window_start) AS start, '__model__' AS feature,
                 '' AS feature_type, any(baseline) AS baseline, sum(events) AS count, toUInt64(0) AS type_mismatches,
                 toUInt64(0) AS out_of_range, CAST([], 'Array(UInt64)') AS bins,
                 CAST(map(), 'Map(String, UInt64)') AS categories,
                 CAST([], 'Array(Float64)') AS sample_hashes, CAST([], 'Array(Float64)') AS sample_values
            FROM {db:Identifier}.drift_partials
           WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
             AND (model_id, model_version, window_start) IN (
                 SELECT arrayJoin(arrayZip({models:Array(String)}, {versions:Array(String)},
                        arrayMap(s -> fromUnixTimestamp64Milli(s, 'UTC'), {starts:Array(Int64)}))))
           GROUP BY model_id, model_version, window_start
          UNION ALL
          SELECT model_id, model_version, start, feature, feature_type, baseline, count, type_mismatches,
                 out_of_range, bins, categories, arrayMap(p -> toFloat64(p.1), sample) AS sample_hashes,
                 arrayMap(p -> p.2, sample) AS sample_values
            FROM (
          SELECT model_id, model_version, toUnixTimestamp64Milli(window_start) AS start, f.name AS feature,
                 toString(f.type) AS feature_type, any(baseline) AS baseline, sum(f.count) AS count,
                 sum(f.type_mismatches) AS type_mismatches, sum(f.out_of_range) AS out_of_range,
                 sumForEach(f.bins) AS bins, sumMap(f.categories) AS categories,
                 arraySlice(arraySort(groupArrayArray(arrayZip(f.sample_hashes, f.sample_values))),
                            1, {sampleSize:UInt32}) AS sample
            FROM {db:Identifier}.drift_partials ARRAY JOIN features AS f
           WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
             AND (model_id, model_version, window_start) IN (
                 SELECT arrayJoin(arrayZip({models:Array(String)}, {versions:Array(String)},
                        arrayMap(s -> fromUnixTimestamp64Milli(s, 'UTC'), {starts:Array(Int64)}))))
           GROUP BY model_id, model_version, window_start, feature, feature_type)`,
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

/**
 * One window's merged state of one feature across every partition that wrote it, for a chart:
 * bins over the baseline's edges, categories, and the `sampleSize` values with the smallest
 * hashes (the same sample the drift service tested). No row when the window has no partials.
 */
export const featureWindowQuery = defineQuery({
  name: 'drift_partials.feature_window',
  row: z.object({
    baseline: z.string(),
    feature_type: z.string(),
    count: z.number(),
    bins: z.array(uint64),
    categories: z.record(z.string(), uint64),
    sample: z.array(z.number()),
  }),
  decode: { counts: ['count'] },
  build: (p: { model: string; version: string; start: number; feature: string; sampleSize: number }) => ({
    sql: `SELECT any(baseline) AS baseline, any(toString(f.type)) AS feature_type, sum(f.count) AS count,
                 sumForEach(f.bins) AS bins, sumMap(f.categories) AS categories,
                 arrayMap(p -> p.2, arraySlice(arraySort(groupArrayArray(arrayZip(f.sample_hashes, f.sample_values))),
                          1, {sampleSize:UInt32})) AS sample
            FROM {db:Identifier}.drift_partials ARRAY JOIN features AS f
           WHERE model_id = {model:String} AND model_version = {version:String}
             AND window_start = fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND f.name = {feature:String}
          HAVING count() > 0`,
    params: p,
  }),
})
