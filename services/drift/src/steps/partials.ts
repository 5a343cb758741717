import { type DRIFT_PARTIALS, type MergedPartialRow, toClickHouseTime } from '@vigil/clickhouse'
import type { TopicPartition } from '@vigil/kafka'
import { sortedNumbers } from '@vigil/stats'
import type { FeatureType, WindowDelta } from './aggregate.js'
import { MODEL, splitKey, windowKey } from './reference.js'

export type PartialRow = NonNullable<(typeof DRIFT_PARTIALS)['_row']>

/** Distinct categories a closed window keeps (the most frequent); the rest count under {@link OTHER}. */
export const MAX_CATEGORIES = 1000
export const OTHER = '__other__'

/** One feature of a closed window: its partials merged. */
export interface FeatureState {
  type: FeatureType
  count: number
  typeMismatches: number
  outOfRange: number
  /** Numerical: the merged sample, ascending (empty for a categorical feature). */
  sample: Float64Array
  /** Numerical: counts over the uploaded baseline's bins, when the window was opened against it. */
  bins?: number[]
  /** Categorical: counts per category (the MAX_CATEGORIES most frequent, then OTHER). */
  categories?: Record<string, number>
}

/** A closed window: every batch's partials merged. */
export interface WindowState {
  key: string
  start: number
  count: number
  baseline?: string
  features: Record<string, FeatureState>
}

/** Identifies a window in a plan's lookups. */
export const windowId = (key: string, start: number) => `${key}@${start}`

/**
 * The drift_partials rows of what a batch added to its windows (those with events), one per
 * window with a Nested entry per feature, tagged with the batch's offsets. The same events give
 * the same rows.
 */
export function partialRows(
  deltas: readonly { delta: WindowDelta; end: number }[],
  tp: TopicPartition,
  offsets: { first: bigint; last: bigint },
): PartialRow[] {
  const rows: PartialRow[] = []
  const first = offsets.first.toString()
  const last = offsets.last.toString()
  for (const { delta, end } of deltas) {
    if (delta.count === 0) continue
    const { modelId, modelVersion } = splitKey(delta.key)
    const row: PartialRow = {
      model_id: modelId,
      model_version: modelVersion,
      window_start: toClickHouseTime(delta.start),
      window_end: toClickHouseTime(end),
      baseline: delta.baseline ?? '',
      kafka_topic: tp.topic,
      kafka_partition: tp.partition,
      first_offset: first,
      last_offset: last,
      events: delta.count,
      'features.name': [],
      'features.type': [],
      'features.count': [],
      'features.type_mismatches': [],
      'features.out_of_range': [],
      'features.sum': [],
      'features.sum_squares': [],
      'features.min': [],
      'features.max': [],
      'features.bins': [],
      'features.categories': [],
      'features.sample_hashes': [],
      'features.sample_values': [],
    }
    for (const [feature, f] of delta.features) {
      // Unordered: the merge query sorts every partial's pairs.
      const sample = f.sample?.pairs() ?? { hashes: [], values: [] }
      row['features.name'].push(feature)
      row['features.type'].push(f.type)
      row['features.count'].push(f.count)
      row['features.type_mismatches'].push(f.typeMismatches)
      row['features.out_of_range'].push(f.outOfRange)
      row['features.sum'].push(f.sum)
      row['features.sum_squares'].push(f.sumSquares)
      row['features.min'].push(f.min)
      row['features.max'].push(f.max)
      row['features.bins'].push(f.bins ?? [])
      row['features.categories'].push(f.categories ? Object.fromEntries(f.categories) : {})
      row['features.sample_hashes'].push(sample.hashes)
      row['features.sample_values'].push(sample.values)
    }
    rows.push(row)
  }
  return rows
}

/** A merged row of `mergedPartialsQuery`. */
export type MergedRow = MergedPartialRow

/** One feature's partials merged, before the sample and categories are cut to size. */
export interface MergedFeature {
  type: FeatureType
  count: number
  typeMismatches: number
  outOfRange: number
  bins: number[]
  categories: Record<string, number>
  /** The sample as (hash, value) pairs in two arrays, ordered by hash then value. */
  hashes: readonly number[]
  values: readonly number[]
}

/** A window's stored partials merged (and, in a plan, what the plan's batch added). */
export interface MergedWindow {
  key: string
  start: number
  count: number
  baseline?: string
  features: Map<string, MergedFeature>
}

/** Windows from their merged partials, by {@link windowId}. */
export function windowsFromMerged(rows: readonly MergedRow[]): Map<string, MergedWindow> {
  const out = new Map<string, MergedWindow>()
  for (const r of rows) {
    const key = windowKey(r.model_id, r.model_version)
    const id = windowId(key, r.start)
    let w = out.get(id)
    if (!w) {
      w = { key, start: r.start, count: 0, features: new Map() }
      out.set(id, w)
    }
    if (r.baseline) w.baseline = r.baseline
    if (r.feature === MODEL) {
      w.count = r.count
      continue
    }
    w.features.set(r.feature, {
      type: r.feature_type as FeatureType,
      count: r.count,
      typeMismatches: r.type_mismatches,
      outOfRange: r.out_of_range,
      bins: r.bins,
      categories: r.categories,
      hashes: r.sample_hashes,
      values: r.sample_values,
    })
  }
  return out
}

/** `stored` with what a batch added (`delta`) merged in, as ClickHouse would merge their rows. */
export function withDelta(
  stored: MergedWindow | undefined,
  delta: WindowDelta | undefined,
  key: string,
  start: number,
): MergedWindow {
  const w: MergedWindow = {
    key,
    start,
    count: (stored?.count ?? 0) + (delta?.count ?? 0),
    features: new Map(stored?.features),
  }
  const baseline = stored?.baseline ?? (delta && delta.count > 0 ? delta.baseline : undefined)
  if (baseline) w.baseline = baseline
  for (const [name, f] of delta?.features ?? []) {
    const before = w.features.get(name)
    const sample = f.sample?.take() ?? { hashes: [], values: [] }
    const categories = { ...before?.categories }
    for (const [c, n] of f.categories ?? []) categories[c] = (categories[c] ?? 0) + n
    const bins = before?.bins.length ? [...before.bins] : []
    for (const [i, n] of (f.bins ?? []).entries()) bins[i] = (bins[i] ?? 0) + n
    w.features.set(name, {
      type: f.type,
      count: (before?.count ?? 0) + f.count,
      typeMismatches: (before?.typeMismatches ?? 0) + f.typeMismatches,
      outOfRange: (before?.outOfRange ?? 0) + f.outOfRange,
      bins,
      categories,
      ...mergeSorted(before ?? { hashes: [], values: [] }, sample),
    })
  }
  return w
}

type Pairs = { hashes: readonly number[]; values: readonly number[] }

/** Two samples, each ordered by (hash, value), as one in that order. */
function mergeSorted(a: Pairs, b: Pairs): { hashes: number[]; values: number[] } {
  const n = a.hashes.length + b.hashes.length
  const hashes = new Array<number>(n)
  const values = new Array<number>(n)
  let i = 0
  let j = 0
  for (let k = 0; k < n; k++) {
    const takeA =
      j >= b.hashes.length ||
      (i < a.hashes.length &&
        (a.hashes[i]! < b.hashes[j]! || (a.hashes[i] === b.hashes[j] && a.values[i]! <= b.values[j]!)))
    if (takeA) {
      hashes[k] = a.hashes[i]!
      values[k] = a.values[i++]!
    } else {
      hashes[k] = b.hashes[j]!
      values[k] = b.values[j++]!
    }
  }
  return { hashes, values }
}

/** A merged window cut to size for its statistics: the sample's k smallest hashes, the top categories. */
export function windowState(w: MergedWindow, sampleSize: number): WindowState {
  const features: Record<string, FeatureState> = {}
  for (const [name, f] of w.features) {
    features[name] = {
      type: f.type,
      count: f.count,
      typeMismatches: f.typeMismatches,
      outOfRange: f.outOfRange,
      // Ordered by hash already (the query, mergeSorted): the first sampleSize are the sample.
      sample: f.type === 'numerical' ? sortedNumbers(f.values.slice(0, sampleSize)) : new Float64Array(),
      ...(f.type === 'numerical' && f.bins.length > 0 ? { bins: f.bins } : {}),
      ...(f.type === 'categorical' ? { categories: topCategories(f.categories) } : {}),
    }
  }
  return {
    key: w.key,
    start: w.start,
    count: w.count,
    ...(w.baseline ? { baseline: w.baseline } : {}),
    features,
  }
}

/** The MAX_CATEGORIES most frequent categories (ties by name), the rest added up under OTHER. */
export function topCategories(counts: Record<string, number>): Record<string, number> {
  const entries = Object.entries(counts)
  if (entries.length <= MAX_CATEGORIES) return counts
  entries.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
  const kept = Object.fromEntries(entries.slice(0, MAX_CATEGORIES))
  kept[OTHER] = (kept[OTHER] ?? 0) + entries.slice(MAX_CATEGORIES).reduce((s, [, n]) => s + n, 0)
  return kept
}
