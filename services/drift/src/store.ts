import {
  type ClickHouse,
  driftStateQuery,
  mergedPartialsQuery,
  partialsHighWaterQuery,
  rangeSampleQuery,
  runQuery,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { PredictionEvent } from '@vigil/events'
import type { Input, TopicPartition } from '@vigil/kafka'
import { categoricalProfile, type FeatureProfile, numericalProfile } from '@vigil/stats'
import { windowId, windowsFromMerged } from './steps/partials.js'
import {
  type DriftEnv,
  type DriftPartition,
  type Evaluations,
  evaluationsDue,
  type ModelSnapshot,
  type ModelState,
  windowsToRead,
} from './steps/plan.js'
import { LABEL, type Reference, SCORE } from './steps/reference.js'

/**
 * A partition's state: the newest row of each model and the partition's offset, and how far its
 * partials are stored (further than the state after a crash between the two writes).
 */
export async function loadPartition(
  ch: ClickHouse,
  group: string,
  tp: TopicPartition,
  restore: (modelId: string, snapshot: ModelSnapshot) => ModelState,
): Promise<DriftPartition & { restored: number }> {
  const rows = await runQuery(ch, driftStateQuery, { group, ...tp })
  const [high] = await runQuery(ch, partialsHighWaterQuery, tp)
  const models = new Map<string, ModelState>()
  let nextOffset = 0n
  for (const r of rows) {
    if (r.key === '') nextOffset = r.next_offset
    else models.set(r.key, restore(r.key, JSON.parse(r.state) as ModelSnapshot))
  }
  const partialsThrough = high?.last === null || high?.last === undefined ? -1n : BigInt(high.last)
  return { nextOffset, partialsThrough, models, restored: rows.length }
}

/**
 * What the next plan on `state` evaluates (`evaluationsDue`) with the stored partials of those
 * windows merged. `inputs`: the batch to plan; none: a tick at `now`.
 */
export async function readEvaluations(
  ch: ClickHouse,
  tp: TopicPartition,
  state: DriftPartition,
  env: DriftEnv,
  inputs: readonly Input<PredictionEvent>[] | undefined,
  now: number,
): Promise<Evaluations> {
  const { due, closing } = evaluationsDue(state, inputs, now, env)
  const base = {
    due,
    closing: new Set(closing.map((c) => windowId(c.key, c.start))),
    ...(inputs?.[0] ? { firstOffset: inputs[0].offset } : {}),
  }
  if (due.length === 0 && closing.length === 0) return { ...base, windows: new Map() }
  const wanted = windowsToRead(
    state,
    [...due.map(({ modelId, window }) => ({ modelId, ...window })), ...closing],
    env,
  )
  const rows = await runQuery(ch, mergedPartialsQuery, { ...tp, windows: wanted, sampleSize: env.sampleSize })
  const windows = windowsFromMerged(rows)
  // A pending window had events, so it has partials: one missing was not stored (yet).
  for (const { window } of due)
    if (!windows.has(windowId(window.key, window.start)))
      throw new Error(`no partials stored for the closed window ${window.key}@${window.start}`)
  return { ...base, windows }
}

/** Rows read from a model's own traffic for a range reference, at most (a deterministic sample). */
export const RANGE_REFERENCE_ROWS = 200_000

/**
 * A reference from the model's own traffic between `from` and `to` (epoch ms), read from the
 * raw predictions table; undefined when there is none. Over RANGE_REFERENCE_ROWS rows, a sample
 * chosen by a hash of the prediction id (the same rows every time).
 */
export async function rangeReference(
  ch: ClickHouse,
  modelId: string,
  from: number,
  to: number,
  sampleSize: number,
): Promise<Reference | undefined> {
  const rows = await runQuery(ch, rangeSampleQuery, {
    model: modelId,
    from: toClickHouseTime(from),
    to: toClickHouseTime(to),
    limit: RANGE_REFERENCE_ROWS,
  })
  if (rows.length === 0) return undefined
  const nums = new Map<string, number[]>()
  const cats = new Map<string, string[]>()
  const missing = new Map<string, number>()
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k)
    if (list) list.push(v)
    else m.set(k, [v])
  }
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.num_features)) push(nums, k, Number(v))
    for (const [k, v] of Object.entries(r.cat_features)) push(cats, k, v)
    for (const k of r.missing_features) missing.set(k, (missing.get(k) ?? 0) + 1)
    const score = r.score ?? r.predicted_value
    if (score !== null) push(nums, SCORE, Number(score))
    if (r.predicted_label !== null) push(cats, LABEL, r.predicted_label)
  }
  const features: Record<string, FeatureProfile> = {}
  for (const [k, v] of nums) features[k] = numericalProfile(v, missing.get(k) ?? 0, sampleSize)
  for (const [k, v] of cats) if (!(k in features)) features[k] = categoricalProfile(v, missing.get(k) ?? 0)
  const iso = (ms: number) => new Date(ms).toISOString()
  return { name: `range:${iso(from)}/${iso(to)}`, kind: 'baseline', features }
}
