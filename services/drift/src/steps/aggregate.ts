import type { PredictionEvent, Scalar } from '@vigil/events'
import { binIndex } from '@vigil/stats'
import { type Aggregator, BottomK, hash53 } from '@vigil/windows'
import { LABEL, type Reference, SCORE, splitKey } from './reference.js'

export type FeatureType = 'numerical' | 'categorical'

/** What one batch added to one feature of one window: the fields of a drift_partials row. */
export interface FeatureDelta {
  type: FeatureType
  /** Values of the right type. */
  count: number
  typeMismatches: number
  /** Numerical: values outside the baseline's [min, max] (against an uploaded baseline). */
  outOfRange: number
  sum: number
  sumSquares: number
  min: number | null
  max: number | null
  /** Numerical: the values with the smallest hashes of their prediction ids. */
  sample?: BottomK
  /** Numerical: counts over an uploaded baseline's bin edges, exact. */
  bins?: number[]
  /** Categorical: counts per category. */
  categories?: Map<string, number>
}

/**
 * A window as a batch sees it: who it is (its baseline, the feature types its first values
 * decided, kept across batches) and what this batch added to it (count, features).
 */
export interface WindowDelta {
  key: string
  start: number
  /** The baseline this window was opened against, if any (exact bins are over its edges). */
  baseline?: string
  /** Each feature's type, decided by its first value in the window unless declared. */
  types: Record<string, FeatureType>
  /** Events this batch added. */
  count: number
  /** Events in the window so far, every batch's: sizes the evaluation's read. */
  seen: number
  features: Map<string, FeatureDelta>
  /**
   * What every event of the window is checked against, resolved on the batch's first event (not
   * kept: a restored window resolves it again once its model's references are read).
   */
  context?: WindowContext
}

interface WindowContext {
  baseline: Reference | undefined
  declared: Record<string, FeatureType>
}

export interface AggregatorOptions {
  sampleSize: number
  /** The uploaded baseline of a model version, known before its windows open. */
  baselineOf(modelId: string, modelVersion: string): Reference | undefined
  /** Feature types declared in vigil.yaml for a model. */
  declaredTypes(modelId: string): Record<string, FeatureType>
}

/**
 * Folds a batch's prediction events into mergeable partial states of their windows: per feature
 * a typed count, sums, min and max, the values with the smallest hashes (a sample that merges),
 * category counts, and, against an uploaded baseline, exact counts over its bins and values
 * outside its range. A window's snapshot is only who it is; what it holds is in drift_partials.
 */
export function createDriftAggregator(options: AggregatorOptions): Aggregator<PredictionEvent, WindowDelta> {
  function contextOf(state: WindowDelta): WindowContext {
    const { modelId, modelVersion } = splitKey(state.key)
    return {
      baseline: state.baseline ? options.baselineOf(modelId, modelVersion) : undefined,
      declared: options.declaredTypes(modelId),
    }
  }

  /** One value of one event into its feature's partial state. Hot: once per feature and event. */
  function feed(
    state: WindowDelta,
    { baseline, declared }: WindowContext,
    name: string,
    value: Scalar | undefined,
    record: boolean,
    hash: number,
  ): void {
    if (value === null || value === undefined) return
    let type = state.types[name]
    if (!type) {
      type =
        declared[name] ??
        baseline?.features[name]?.type ??
        (typeof value === 'number' ? 'numerical' : 'categorical')
      state.types[name] = type
    }
    if (!record) return
    let f = state.features.get(name)
    if (!f) {
      f = {
        type,
        count: 0,
        typeMismatches: 0,
        outOfRange: 0,
        sum: 0,
        sumSquares: 0,
        min: null,
        max: null,
      }
      const profile = baseline?.features[name]
      if (type === 'numerical') {
        f.sample = new BottomK(options.sampleSize)
        if (profile?.type === 'numerical') f.bins = new Array<number>(profile.edges.length + 1).fill(0)
      } else f.categories = new Map()
      state.features.set(name, f)
    }
    if (f.type === 'numerical') {
      if (typeof value !== 'number') {
        f.typeMismatches++
        return
      }
      f.count++
      f.sum += value
      f.sumSquares += value * value
      if (f.min === null || value < f.min) f.min = value
      if (f.max === null || value > f.max) f.max = value
      f.sample!.add(hash, value)
      const profile = baseline?.features[name]
      if (profile?.type === 'numerical') {
        if (f.bins) f.bins[binIndex(profile.edges, value)]!++
        if (value < profile.min || value > profile.max) f.outOfRange++
      }
    } else {
      const category = String(value)
      f.count++
      f.categories!.set(category, (f.categories!.get(category) ?? 0) + 1)
    }
  }

  return {
    create(key, start) {
      const { modelId, modelVersion } = splitKey(key)
      const baseline = options.baselineOf(modelId, modelVersion)
      return {
        key,
        start,
        ...(baseline ? { baseline: baseline.name } : {}),
        types: {},
        count: 0,
        seen: 0,
        features: new Map(),
      }
    },

    add(state, event, _eventTime, record) {
      state.context ??= contextOf(state)
      const context = state.context
      state.seen++
      if (record) state.count++
      const hash = record ? hash53(event.prediction_id) : 0
      const features = event.features
      for (const name in features) feed(state, context, name, features[name], record, hash)
      feed(state, context, SCORE, event.prediction.score ?? event.prediction.value, record, hash)
      feed(state, context, LABEL, event.prediction.label, record, hash)
    },

    fork(state) {
      return { ...state, types: { ...state.types }, count: 0, features: new Map(), context: undefined }
    },

    toJSON({ key, start, baseline, types, seen }) {
      return { key, start, ...(baseline ? { baseline } : {}), types, seen }
    },

    fromJSON(json) {
      const s = json as Pick<WindowDelta, 'key' | 'start' | 'baseline' | 'types' | 'seen'>
      return { ...s, types: { ...s.types }, seen: s.seen ?? 0, count: 0, features: new Map() }
    },
  }
}
