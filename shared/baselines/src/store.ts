import { createHash } from 'node:crypto'
import { BASELINES, baselinesQuery, type ClickHouse, insertRows, runQuery } from '@vigil/clickhouse'
import type { FeatureProfile } from '@vigil/stats'
import type { Reference } from './reference.js'

// The `baselines` table family: uploaded baselines and first windows that became references.

/**
 * Stored references by `model|version`: uploaded baselines (version `*` applies to versions
 * without their own) and first complete windows that became references.
 */
export interface References {
  baselines: Map<string, Reference>
  firsts: Map<string, Reference>
}

export function referenceKey(modelId: string, modelVersion: string): string {
  return `${modelId}|${modelVersion}`
}

/** The uploaded baseline of a model version, or of every version (`*`). */
export function baselineFor(refs: References, modelId: string, modelVersion: string): Reference | undefined {
  return (
    refs.baselines.get(referenceKey(modelId, modelVersion)) ?? refs.baselines.get(referenceKey(modelId, '*'))
  )
}

/** Every stored reference: uploaded baselines and first windows that became references. */
export async function loadReferences(ch: ClickHouse): Promise<References> {
  const rows = await runQuery(ch, baselinesQuery, undefined)
  const refs: References = { baselines: new Map(), firsts: new Map() }
  for (const r of rows) {
    const key = referenceKey(r.model_id, r.model_version)
    const first = r.source.startsWith('first-window:')
    const map = first ? refs.firsts : refs.baselines
    let ref = map.get(key)
    if (!ref) {
      ref = {
        name: first ? r.source : `baseline:${r.model_version}`,
        kind: first ? 'first' : 'baseline',
        features: {},
      }
      map.set(key, ref)
    }
    ref.features[r.feature] = JSON.parse(r.profile) as FeatureProfile
  }
  return refs
}

/** The rows of a reference in `baselines`, as one idempotent insert (the same reference, the same block). */
export function referenceInsert(modelId: string, modelVersion: string, ref: Reference, source: string) {
  const rows = Object.entries(ref.features).map(([feature, p]) => ({
    model_id: modelId,
    model_version: modelVersion,
    feature,
    feature_type: p.type,
    profile: JSON.stringify(p),
    count: p.count,
    missing: p.missing,
    mean: p.type === 'numerical' ? p.mean : null,
    std: p.type === 'numerical' ? p.std : null,
    min: p.type === 'numerical' ? p.min : null,
    max: p.type === 'numerical' ? p.max : null,
    source,
  }))
  return {
    table: BASELINES,
    rows,
    dedupToken: `baseline-${hash(`${modelId}|${modelVersion}|${source}|${rows.length}`)}`,
  }
}

/** Stores a reference's profiles in `baselines` (idempotent: the token names the reference). */
export async function saveReference(
  ch: ClickHouse,
  modelId: string,
  modelVersion: string,
  ref: Reference,
  source: string,
): Promise<void> {
  const { table, rows, dedupToken } = referenceInsert(modelId, modelVersion, ref, source)
  await insertRows(ch, table, rows, { dedupToken })
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16)
}
