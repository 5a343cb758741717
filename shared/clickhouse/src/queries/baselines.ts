import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'

/** Reference profiles, one row per model, version and feature (created_at has a default). */
export const BASELINES = defineTable(
  'baselines',
  z.object({
    model_id: c.string,
    model_version: c.string,
    feature: c.string,
    feature_type: z.enum(['numerical', 'categorical']),
    /** The whole profile as JSON (shared/stats FeatureProfile). */
    profile: c.string,
    count: c.uint64,
    missing: c.uint64,
    mean: c.nullableFloat,
    std: c.nullableFloat,
    min: c.nullableFloat,
    max: c.nullableFloat,
    /** `file:…`, `http:…`, `first-window:<start>`: where the reference came from. */
    source: c.string,
  }),
)

/** Every stored profile, the newest upload of each. */
export const baselinesQuery = defineQuery({
  name: 'baselines.all',
  row: z.object({
    model_id: z.string(),
    model_version: z.string(),
    feature: z.string(),
    feature_type: z.string(),
    profile: z.string(),
    source: z.string(),
  }),
  build: () => ({
    sql: `SELECT model_id, model_version, feature, feature_type, profile, source
          FROM {db:Identifier}.baselines FINAL ORDER BY model_id, model_version, feature`,
  }),
})
