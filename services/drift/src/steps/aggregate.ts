import type { PredictionEvent, Scalar } from '@vigil/events'
import { binIndex } from '@vigil/stats'
import { type Aggregator, Reservoir, seedOf } from '@vigil/windows'
import { LABEL, type Reference, SCORE, splitKey } from './reference.js'

/** Distinct categories kept per feature and window; the rest are counted under {@link OTHER}. */
export const MAX_CATEGORIES = 1000
export const OTHER = '__other__'

/** One feature's bounded state in one window. */
export interface FeatureState {
  type: 'numerical' | 'categorical'
  /** Values of the right type. */
  count: number
  typeMismatches: number
  /** Numerical: uniform sample (KS, Wasserstein, and bins when there are no exact ones). */
  sample?: Reservoir
  /** Numerical: counts over an uploaded baseline's bin edges, exact. */
  bins?: number[]
  outOfRange: number
  /** Categorical: counts per category (at most MAX_CATEGORIES, then OTHER). */
  categories?: Record<string, number>
}

export interface WindowState {
  key: string
  start: number
  count: number
  /** The baseline this window was opened against, if any (exact bins are over its edges). */
  baseline?: string
  features: Record<string, FeatureState>
}

export interface AggregatorOptions {
  sampleSize: number
  /** The uploaded baseline of a model version, known before its windows open. */
  baselineOf(modelId: string, modelVersion: string): Reference | undefined
  /** Feature types declared in vigil.yaml for a model. */
  declaredTypes(modelId: string): Record<string, 'numerical' | 'categorical'>
}

/**
 * Folds prediction events into a window's bounded state: per feature a typed count, a
 * fixed-size sample or category counts, and, against an uploaded baseline, exact counts over its
 * bins and values outside its range. Memory depends on the number of features and categories,
 * not of events.
 */
export function createDriftAggregator(options: AggregatorOptions): Aggregator<PredictionEvent, WindowState> {
  return {
    create(key, start) {
      const { modelId, modelVersion } = splitKey(key)
      const baseline = options.baselineOf(modelId, modelVersion)
      return { key, start, count: 0, ...(baseline ? { baseline: baseline.name } : {}), features: {} }
    },

    add(state, event) {
      state.count++
      const { modelId, modelVersion } = splitKey(state.key)
      const baseline = state.baseline ? options.baselineOf(modelId, modelVersion) : undefined
      const declared = options.declaredTypes(modelId)
      const feed = (name: string, value: Scalar | undefined) => {
        if (value === null || value === undefined) return
        let f = state.features[name]
        if (!f) {
          const profile = baseline?.features[name]
          const type =
            declared[name] ?? profile?.type ?? (typeof value === 'number' ? 'numerical' : 'categorical')
          f = { type, count: 0, typeMismatches: 0, outOfRange: 0 }
          if (type === 'numerical') {
            f.sample = new Reservoir(options.sampleSize, seedOf(`${state.key}|${state.start}|${name}`))
            if (profile?.type === 'numerical') f.bins = new Array<number>(profile.edges.length + 1).fill(0)
          } else f.categories = {}
          state.features[name] = f
        }
        if (f.type === 'numerical') {
          if (typeof value !== 'number') {
            f.typeMismatches++
            return
          }
          f.count++
          f.sample!.add(value)
          const profile = baseline?.features[name]
          if (profile?.type === 'numerical') {
            if (f.bins) f.bins[binIndex(profile.edges, value)]!++
            if (value < profile.min || value > profile.max) f.outOfRange++
          }
        } else {
          const category = String(value)
          const cats = f.categories!
          f.count++
          if (category in cats) cats[category]!++
          else if (Object.keys(cats).length < MAX_CATEGORIES) cats[category] = 1
          else cats[OTHER] = (cats[OTHER] ?? 0) + 1
        }
      }
      for (const [name, value] of Object.entries(event.features)) feed(name, value)
      feed(SCORE, event.prediction.score ?? event.prediction.value)
      feed(LABEL, event.prediction.label)
    },

    clone(state) {
      const features: Record<string, FeatureState> = {}
      for (const [k, f] of Object.entries(state.features))
        features[k] = {
          ...f,
          ...(f.sample ? { sample: f.sample.clone() } : {}),
          ...(f.bins ? { bins: [...f.bins] } : {}),
          ...(f.categories ? { categories: { ...f.categories } } : {}),
        }
      return { ...state, features }
    },

    toJSON(state) {
      return {
        ...state,
        features: Object.fromEntries(
          Object.entries(state.features).map(([k, f]) => [k, { ...f, sample: f.sample?.toJSON() }]),
        ),
      }
    },

    fromJSON(json) {
      const s = json as WindowState & { features: Record<string, FeatureState & { sample?: unknown }> }
      return {
        ...s,
        features: Object.fromEntries(
          Object.entries(s.features).map(([k, f]) => [
            k,
            {
              ...f,
              sample: f.sample
                ? Reservoir.fromJSON(f.sample as unknown as Parameters<typeof Reservoir.fromJSON>[0])
                : undefined,
            },
          ]),
        ),
      }
    },
  }
}
