import { categoryDistribution, type Distribution } from '@vigil/charts'
import { binCounts, type FeatureProfile } from '@vigil/stats'

/** A window's merged state of one feature, as drift_partials holds it. */
export interface WindowFeatureState {
  /** The uploaded baseline `bins` counts over, '' when none. */
  baseline: string
  count: number
  bins: readonly number[]
  categories: Readonly<Record<string, number>>
  /** The values with the smallest hashes of their prediction ids: a deterministic sample. */
  sample: readonly number[]
}

export interface WindowDistribution {
  distribution: Distribution
  /**
   * Where the current side's counts come from: every value of the window counted over the
   * reference's bins (`bins`, `categories`), or the window's sample put into them (`sample`),
   * when the window was not opened against this reference's bins.
   */
  current_from: 'bins' | 'categories' | 'sample'
  n_reference: number
  n_current: number
}

/**
 * A feature's reference and current counts over the same bins: what the drift service compared,
 * as a chart shows it. The reference's counts are its proportions times its count (the profile
 * keeps proportions, not counts), rounded.
 */
export function windowDistribution(
  reference: FeatureProfile,
  referenceName: string,
  current: WindowFeatureState,
): WindowDistribution {
  if (reference.type === 'categorical') {
    return {
      distribution: categoryDistribution(
        new Map(Object.entries(reference.counts)),
        new Map(Object.entries(current.categories)),
      ),
      current_from: 'categories',
      n_reference: reference.count,
      n_current: current.count,
    }
  }
  const bins = reference.edges.length + 1
  const exact = current.baseline === referenceName && current.bins.length === bins
  return {
    distribution: {
      kind: 'numerical',
      edges: reference.edges,
      reference: reference.proportions.map((p) => Math.round(p * reference.count)),
      current: exact ? [...current.bins] : binCounts(reference.edges, current.sample),
    },
    current_from: exact ? 'bins' : 'sample',
    n_reference: reference.count,
    n_current: exact ? current.count : current.sample.length,
  }
}
