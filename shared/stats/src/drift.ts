import { binCounts, decileEdges, proportions } from './binning.js'
import { chi2TwoRows } from './chi2.js'
import { hellinger, jensenShannon, linf, psi } from './divergence.js'
import { type KsResult, ksTwoSample } from './ks.js'
import { populationStd, sortedNumbers } from './sample.js'
import { wasserstein } from './wasserstein.js'

/** Below this many current values, drift is a significance test; from it on, a distance. */
export const DEFAULT_SMALL_SAMPLE = 1000

export interface DriftThresholds {
  /** Current samples smaller than this are judged by the p-value; larger ones by the distance. */
  smallSample: number
  pValue: number
  /** For numerical features: `wasserstein_norm` above this is drift. */
  wassersteinNorm: number
  /** For categorical features: `jensen_shannon` above this is drift. */
  jensenShannon: number
}

export const DEFAULT_THRESHOLDS: DriftThresholds = {
  smallSample: DEFAULT_SMALL_SAMPLE,
  pValue: 0.05,
  wassersteinNorm: 0.1,
  jensenShannon: 0.1,
}

/** Divisor floor for `wasserstein_norm`, so a constant reference still gives a finite number. */
export const STD_FLOOR = 1e-3

export interface NumericalDrift {
  type: 'numerical'
  n_reference: number
  n_current: number
  /** Null when either sample is empty: there is nothing to compare. */
  psi: number | null
  ks_statistic: number | null
  ks_p_value: number | null
  wasserstein: number | null
  wasserstein_norm: number | null
  jensen_shannon: number | null
  hellinger: number | null
  drifted: boolean
  /** The statistic the decision used. */
  drift_test: 'ks_p_value' | 'wasserstein_norm' | 'none'
}

export interface CategoricalDrift {
  type: 'categorical'
  n_reference: number
  n_current: number
  psi: number | null
  chi2_statistic: number | null
  chi2_p_value: number | null
  jensen_shannon: number | null
  linf: number | null
  new_category_share: number | null
  drifted: boolean
  drift_test: 'chi2_p_value' | 'jensen_shannon' | 'none'
}

export type FeatureDrift = NumericalDrift | CategoricalDrift

/**
 * Drift of a numerical feature between a reference sample and a current sample
 * (docs/metrics.md gives each definition).
 * @example numericalDrift([1, 2, 3, 4], [2, 3, 4, 5]).ks_statistic // 0.25
 */
export function numericalDrift(
  reference: readonly number[],
  current: readonly number[],
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
): NumericalDrift {
  if (reference.length === 0 || current.length === 0) return noNumericalData(reference.length, current.length)
  const ref = sortedNumbers(reference)
  const cur = sortedNumbers(current)
  const edges = decileEdges(ref)
  return numericalDriftFromParts(
    {
      n: ref.length,
      std: populationStd(ref),
      proportions: proportions(binCounts(edges, ref)),
      sortedSample: ref,
    },
    { n: cur.length, proportions: proportions(binCounts(edges, cur)), sortedSample: cur },
    thresholds,
  )
}

/** What numerical drift needs of each side: shares over the reference's bins, and a sample. */
export interface NumericalSide {
  /** Values the side had (the sample may hold fewer). */
  n: number
  proportions: readonly number[]
  /** Sorted ascending: all values, or a uniform sample of them (KS and Wasserstein use it). */
  sortedSample: ArrayLike<number>
}

/**
 * Numerical drift from prepared sides, so a stored reference profile and a window's bounded
 * state give the same statistics as the full samples would (bins exact; KS and Wasserstein on
 * the samples).
 */
export function numericalDriftFromParts(
  reference: NumericalSide & { std: number },
  current: NumericalSide,
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
): NumericalDrift {
  if (
    reference.n === 0 ||
    current.n === 0 ||
    reference.sortedSample.length === 0 ||
    current.sortedSample.length === 0
  ) {
    return noNumericalData(reference.n, current.n)
  }
  return numericalDriftFromTests(
    reference,
    current,
    ksTwoSample(reference.sortedSample, current.sortedSample),
    wasserstein(reference.sortedSample, current.sortedSample),
    thresholds,
  )
}

/**
 * Numerical drift from the sides' bin shares and sizes and the KS test and Wasserstein distance
 * already computed (over the samples, or by ClickHouse over all the values).
 */
export function numericalDriftFromTests(
  reference: { n: number; std: number; proportions: readonly number[] },
  current: { n: number; proportions: readonly number[] },
  ks: KsResult,
  w: number,
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
): NumericalDrift {
  if (reference.n === 0 || current.n === 0) return noNumericalData(reference.n, current.n)
  const p = reference.proportions
  const q = current.proportions
  const wNorm = w / Math.max(reference.std, STD_FLOOR)
  const small = current.n < thresholds.smallSample
  return {
    type: 'numerical',
    n_reference: reference.n,
    n_current: current.n,
    psi: psi(p, q),
    ks_statistic: ks.statistic,
    ks_p_value: ks.pValue,
    wasserstein: w,
    wasserstein_norm: wNorm,
    jensen_shannon: jensenShannon(p, q),
    hellinger: hellinger(p, q),
    drifted: small ? ks.pValue < thresholds.pValue : wNorm > thresholds.wassersteinNorm,
    drift_test: small ? 'ks_p_value' : 'wasserstein_norm',
  }
}

function noNumericalData(nReference: number, nCurrent: number): NumericalDrift {
  return {
    type: 'numerical',
    n_reference: nReference,
    n_current: nCurrent,
    psi: null,
    ks_statistic: null,
    ks_p_value: null,
    wasserstein: null,
    wasserstein_norm: null,
    jensen_shannon: null,
    hellinger: null,
    drifted: false,
    drift_test: 'none',
  }
}

/** Counts per category, in first-seen order. */
export function categoryCounts(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return counts
}

/**
 * Drift of a categorical feature from category counts: the categories are the union of both,
 * those only in the current sample count as new.
 */
export function categoricalDriftFromCounts(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
): CategoricalDrift {
  const nRef = sum(reference.values())
  const nCur = sum(current.values())
  const base = { type: 'categorical' as const, n_reference: nRef, n_current: nCur }
  if (nRef === 0 || nCur === 0) {
    return {
      ...base,
      psi: null,
      chi2_statistic: null,
      chi2_p_value: null,
      jensen_shannon: null,
      linf: null,
      new_category_share: null,
      drifted: false,
      drift_test: 'none',
    }
  }
  const categories = [...reference.keys(), ...[...current.keys()].filter((c) => !reference.has(c))]
  const r = categories.map((c) => reference.get(c) ?? 0)
  const c = categories.map((k) => current.get(k) ?? 0)
  let newValues = 0
  for (const [k, n] of current) if (!reference.has(k)) newValues += n
  const p = proportions(r)
  const q = proportions(c)
  const chi2 = chi2TwoRows(r, c)
  const js = jensenShannon(p, q)
  const small = nCur < thresholds.smallSample
  return {
    ...base,
    psi: psi(p, q),
    chi2_statistic: chi2.statistic,
    chi2_p_value: chi2.pValue,
    jensen_shannon: js,
    linf: linf(p, q),
    new_category_share: newValues / nCur,
    drifted: small ? chi2.pValue < thresholds.pValue : js > thresholds.jensenShannon,
    drift_test: small ? 'chi2_p_value' : 'jensen_shannon',
  }
}

export function categoricalDrift(
  reference: readonly string[],
  current: readonly string[],
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
): CategoricalDrift {
  return categoricalDriftFromCounts(categoryCounts(reference), categoryCounts(current), thresholds)
}

/** Share of drifted features among those with data (0 when none has). */
export function driftShare(features: readonly FeatureDrift[]): number {
  const judged = features.filter((f) => f.drift_test !== 'none')
  return judged.length === 0 ? 0 : judged.filter((f) => f.drifted).length / judged.length
}

function sum(values: Iterable<number>): number {
  let s = 0
  for (const v of values) s += v
  return s
}
