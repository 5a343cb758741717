import { binCounts, decileEdges, proportions } from './binning.js'
import { mean, populationStd, sortedNumbers } from './sample.js'

/** Values kept per numerical reference for the KS test and Wasserstein distance. */
export const DEFAULT_SAMPLE_SIZE = 2000

/** A reference (baseline) of a numerical feature: everything drift needs, bounded in size. */
export interface NumericalProfile {
  type: 'numerical'
  count: number
  missing: number
  mean: number
  std: number
  min: number
  max: number
  /** Deciles of the reference, duplicates merged (docs/metrics.md). */
  edges: number[]
  /** Share of the reference in each of the edges.length + 1 bins. */
  proportions: number[]
  /** Sorted uniform sample of at most DEFAULT_SAMPLE_SIZE values. */
  sample: number[]
}

export interface CategoricalProfile {
  type: 'categorical'
  count: number
  missing: number
  counts: Record<string, number>
}

export type FeatureProfile = NumericalProfile | CategoricalProfile

/**
 * A numerical feature's profile. The sample is every `count / sampleSize`-th value of the sorted
 * reference (an evenly spaced, deterministic sample of its distribution) when it is larger.
 */
export function numericalProfile(
  values: readonly number[],
  missing = 0,
  sampleSize = DEFAULT_SAMPLE_SIZE,
): NumericalProfile {
  const sorted = sortedNumbers(values)
  const n = sorted.length
  if (n === 0) {
    return {
      type: 'numerical',
      count: 0,
      missing,
      mean: 0,
      std: 0,
      min: 0,
      max: 0,
      edges: [],
      proportions: [],
      sample: [],
    }
  }
  const edges = decileEdges(sorted)
  const sample: number[] = []
  if (n <= sampleSize) sample.push(...sorted)
  else for (let i = 0; i < sampleSize; i++) sample.push(sorted[Math.floor(((i + 0.5) * n) / sampleSize)]!)
  return {
    type: 'numerical',
    count: n,
    missing,
    mean: mean(sorted),
    std: populationStd(sorted),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    edges,
    proportions: proportions(binCounts(edges, sorted)),
    sample,
  }
}

export function categoricalProfile(values: readonly string[], missing = 0): CategoricalProfile {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return { type: 'categorical', count: values.length, missing, counts }
}
