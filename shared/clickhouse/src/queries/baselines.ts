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

/**
 * One feature's profile in a named reference, as the drift rows name it: `baseline:<version>`
 * (an upload, version `*` for every version) or `first-window:<start>` (of the window's version).
 */
export const referenceProfileQuery = defineQuery({
  name: 'baselines.reference_profile',
  row: z.object({ profile: z.string() }),
  build: (p: { model: string; windowVersion: string; reference: string; feature: string }) => {
    const first = p.reference.startsWith('first-window:')
    return {
      sql: `SELECT profile FROM {db:Identifier}.baselines FINAL
             WHERE model_id = {model:String} AND model_version = {version:String} AND feature = {feature:String}
               AND ${first ? 'source = {reference:String}' : "NOT startsWith(source, 'first-window:')"}`,
      params: {
        model: p.model,
        version: first ? p.windowVersion : p.reference.replace(/^baseline:/, ''),
        feature: p.feature,
        reference: p.reference,
      },
    }
  },
})
