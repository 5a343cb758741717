export { binCounts, binIndex, decileEdges, proportions } from './binning.js'
export { type Chi2Result, chi2Sf, chi2TwoRows } from './chi2.js'
export {
  binaryAuc,
  type ClassificationMetrics,
  type ClassifiedRow,
  type ClassMetrics,
  classificationMetrics,
  metricsFromConfusion,
  type ScoredSums,
} from './classification.js'
export { hellinger, jensenShannon, linf, PSI_FLOOR, psi } from './divergence.js'
export {
  type CategoricalDrift,
  categoricalDrift,
  categoricalDriftFromCounts,
  categoryCounts,
  DEFAULT_THRESHOLDS,
  type DriftThresholds,
  driftShare,
  type FeatureDrift,
  type NumericalDrift,
  type NumericalSide,
  numericalDrift,
  numericalDriftFromParts,
  numericalDriftFromTests,
  STD_FLOOR,
} from './drift.js'
export {
  type AttributeFairness,
  type FairnessRow,
  fairnessFromCounts,
  fairnessMetrics,
  type GroupCounts,
  type GroupFairness,
  groupCounts,
} from './fairness.js'
export { kolmogorovSf } from './kolmogorov.js'
export { KS_EXACT_MAX_N, type KsResult, ksFromStatistic, ksTwoSample } from './ks.js'
export { type MetricFamily, RULE_METRICS } from './metric-names.js'
export { FLOAT64_EPS } from './numbers.js'
export {
  type CategoricalProfile,
  categoricalProfile,
  DEFAULT_SAMPLE_SIZE,
  type FeatureProfile,
  type NumericalProfile,
  numericalProfile,
} from './profile.js'
export type { FeatureQuality, ModelQuality } from './quality.js'
export {
  type RegressionMetrics,
  type RegressionSums,
  regressionFromSums,
  regressionMetrics,
} from './regression.js'
export { mean, populationStd, quantileSorted, sortedNumbers } from './sample.js'
export { wasserstein } from './wasserstein.js'
