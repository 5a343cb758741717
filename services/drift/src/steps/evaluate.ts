import { type DRIFT_WINDOWS_INPUT, type QUALITY_WINDOWS_INPUT, toClickHouseTime } from '@vigil/clickhouse'
import type { MetricsMessage } from '@vigil/events'
import {
  binCounts,
  categoricalDriftFromCounts,
  categoricalProfile,
  type DriftThresholds,
  decileEdges,
  driftShare,
  type FeatureDrift,
  type FeatureProfile,
  type FeatureQuality,
  type ModelQuality,
  numericalDriftFromParts,
  proportions,
} from '@vigil/stats'
import type { ClosedWindow } from '@vigil/windows'
import type { FeatureState, WindowState } from './partials.js'
import { MODEL, type Reference, splitKey } from './reference.js'

/** A closed window's drift rows, packed: its columns once, each row's values in parallel arrays. */
export type DriftInputRow = NonNullable<(typeof DRIFT_WINDOWS_INPUT)['_row']>
/** Its data-quality rows, packed the same way. */
export type QualityInputRow = NonNullable<(typeof QUALITY_WINDOWS_INPUT)['_row']>

export interface WindowResult {
  /** None when the window had no reference (it becomes one). */
  drift?: DriftInputRow
  quality: QualityInputRow
  message: MetricsMessage
  /** Set when this window had no reference and becomes its model version's reference. */
  becomesReference?: Reference
}

/** Windows are published once; a higher version is for re-publication (performance and fairness windows, as labels arrive). */
const VERSION = 1

/**
 * Everything a closed window publishes: drift per feature against `reference` (none: the window
 * becomes the reference and only data quality is published), data quality, and the metrics
 * message. Pure: the same window state and reference always give the same result.
 */
export function evaluateWindow(
  window: ClosedWindow<WindowState>,
  reference: Reference | undefined,
  thresholdsFor: (feature: string) => DriftThresholds,
): WindowResult {
  const { modelId, modelVersion } = splitKey(window.key)
  const state = window.state
  const startIso = new Date(window.start).toISOString()
  const base = {
    model_id: modelId,
    model_version: modelVersion,
    window_start: toClickHouseTime(window.start),
    window_end: toClickHouseTime(window.end),
  }
  const own = reference === undefined || reference.name === `first-window:${startIso}`
  const ref: Reference | undefined = own ? undefined : reference
  const drifts: Record<string, FeatureDrift> = {}
  if (ref) {
    for (const [name, f] of Object.entries(state.features)) {
      const profile = ref.features[name]
      if (!profile || profile.type !== f.type) continue
      drifts[name] = featureDrift(f, profile, state.baseline === ref.name, thresholdsFor(name))
    }
  }
  const share = driftShare(Object.values(drifts))
  let drift: DriftInputRow | undefined
  if (ref) {
    const d: DriftInputRow = {
      ...base,
      reference: ref.name,
      version: VERSION,
      feature: [],
      feature_type: [],
      metric: [],
      value: [],
      drifted: [],
      n_reference: [],
      n_current: [],
    }
    const push = (
      feature: string,
      type: string,
      metric: string,
      value: number | null,
      drifted: boolean,
      nReference: number,
      nCurrent: number,
    ) => {
      d.feature.push(feature)
      d.feature_type.push(type)
      d.metric.push(metric)
      d.value.push(value)
      d.drifted.push(drifted ? 1 : 0)
      d.n_reference.push(nReference)
      d.n_current.push(nCurrent)
    }
    for (const [name, fd] of Object.entries(drifts)) {
      const { type, n_reference, n_current, drifted, drift_test: _t, ...metrics } = fd
      for (const [metric, value] of Object.entries(metrics))
        push(name, type, metric, value as number | null, drifted, n_reference, n_current)
    }
    push(MODEL, '', 'drift_share', share, share > 0, 0, state.count)
    drift = d
  }

  const modelQuality: ModelQuality = { count: state.count, late_events: window.lateEvents }
  const quality: Record<string, FeatureQuality | ModelQuality> = { [MODEL]: modelQuality }
  for (const [name, f] of Object.entries(state.features))
    quality[name] = featureQuality(f, state.count, ref?.features[name])
  const qualityRow: QualityInputRow = { ...base, version: VERSION, feature: [], metric: [], value: [] }
  for (const [feature, metrics] of Object.entries(quality))
    for (const [metric, value] of Object.entries(metrics)) {
      qualityRow.feature.push(feature)
      qualityRow.metric.push(metric)
      qualityRow.value.push(value)
    }

  const message: MetricsMessage = {
    schema_version: 1,
    family: 'drift',
    model_id: modelId,
    model_version: modelVersion,
    window_start: startIso,
    window_end: new Date(window.end).toISOString(),
    version: VERSION,
    n: state.count,
    reference: ref?.name ?? `first-window:${startIso}`,
    ...(ref ? { drift_share: share } : {}),
    features: Object.fromEntries(
      Object.entries(drifts).map(([name, d]) => {
        const { type, n_reference: _r, n_current: _c, drifted, drift_test, ...metrics } = d
        return [name, { type, drifted, drift_test, metrics: metrics as Record<string, number | null> }]
      }),
    ),
    quality,
  }
  return {
    ...(drift ? { drift } : {}),
    quality: qualityRow,
    message,
    ...(reference === undefined ? { becomesReference: referenceFromWindow(state, startIso) } : {}),
  }
}

function featureDrift(
  f: FeatureState,
  profile: FeatureProfile,
  exactBins: boolean,
  t: DriftThresholds,
): FeatureDrift {
  if (profile.type === 'categorical') {
    return categoricalDriftFromCounts(
      new Map(Object.entries(profile.counts)),
      new Map(Object.entries(f.categories ?? {})),
      t,
    )
  }
  const sample = f.sample
  // Exact counts over the baseline's bins when the window was opened against it; otherwise the
  // shares of the window's sample (exact while the window holds no more values than the sample).
  const counts = exactBins && f.bins ? f.bins : binCounts(profile.edges, sample)
  return numericalDriftFromParts(
    { n: profile.count, std: profile.std, proportions: profile.proportions, sortedSample: profile.sample },
    { n: f.count, proportions: proportions(counts), sortedSample: sample },
    t,
  )
}

function featureQuality(
  f: FeatureState,
  events: number,
  profile: FeatureProfile | undefined,
): FeatureQuality {
  const q: FeatureQuality = {
    count: f.count,
    missing_rate: events === 0 ? 0 : (events - f.count - f.typeMismatches) / events,
    type_mismatches: f.typeMismatches,
  }
  if (f.type === 'numerical' && profile?.type === 'numerical') {
    q.out_of_range_share = f.count === 0 ? 0 : outOfRange(f, profile) / f.count
  }
  if (f.type === 'categorical' && profile?.type === 'categorical') {
    const fresh = Object.entries(f.categories ?? {}).filter(([c]) => !(c in profile.counts))
    q.new_categories = fresh.length
    q.new_category_share = f.count === 0 ? 0 : fresh.reduce((s, [, n]) => s + n, 0) / f.count
  }
  return q
}

/** Against an uploaded baseline every value was checked; against a first window, the sample is. */
function outOfRange(f: FeatureState, profile: Extract<FeatureProfile, { type: 'numerical' }>): number {
  if (f.bins) return f.outOfRange
  const sample = f.sample
  if (sample.length === 0) return 0
  const outside = sample.filter((v) => v < profile.min || v > profile.max).length
  return Math.round((outside / sample.length) * f.count)
}

/** A window's state as a reference profile (the first complete window of a model version). */
export function referenceFromWindow(state: WindowState, startIso: string): Reference {
  const features: Record<string, FeatureProfile> = {}
  for (const [name, f] of Object.entries(state.features)) {
    if (f.type === 'numerical') {
      const sample = f.sample
      if (sample.length === 0) continue
      const edges = decileEdges(sample)
      let sum = 0
      for (const v of sample) sum += v
      const mean = sum / sample.length
      let sq = 0
      for (const v of sample) sq += (v - mean) ** 2
      features[name] = {
        type: 'numerical',
        count: f.count,
        missing: state.count - f.count - f.typeMismatches,
        mean,
        std: Math.sqrt(sq / sample.length),
        min: sample[0]!,
        max: sample[sample.length - 1]!,
        edges,
        proportions: proportions(binCounts(edges, sample)),
        sample: [...sample],
      }
    } else {
      const p = categoricalProfile([], state.count - f.count - f.typeMismatches)
      features[name] = { ...p, count: f.count, counts: { ...(f.categories ?? {}) } }
    }
  }
  return { name: `first-window:${startIso}`, kind: 'first', features }
}
