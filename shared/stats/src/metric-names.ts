import type { ClassificationMetrics } from './classification.js'
import type { CategoricalDrift, NumericalDrift } from './drift.js'
import type { GroupFairness } from './fairness.js'
import type { FeatureQuality, ModelQuality } from './quality.js'
import type { RegressionMetrics } from './regression.js'

/** The keys of a result type whose values are numbers: the metrics it computes. */
type NumberKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T] & string

/**
 * A list of exactly the names `K`: the compiler refuses a list that misses one or adds one, so
 * a metric added to a result type must be named here, and a name here must be computed there.
 */
function exactly<K extends string>() {
  return <const L extends readonly K[]>(
    list: L & ([K] extends [L[number]] ? unknown : { missing: Exclude<K, L[number]> }),
  ) => list as readonly K[]
}

/** Counts that describe a sample, not a metric to alert on (rules have min_samples for them). */
type SampleSizes = 'n' | 'n_reference' | 'n_current' | 'n_labelled'

type DriftMetric =
  | Exclude<NumberKeys<NumericalDrift> | NumberKeys<CategoricalDrift>, SampleSizes>
  /** 1 when a feature counts as drifted. */
  | 'drifted'
  /** Model level: the share of drifted features. */
  | 'drift_share'
type QualityMetric = NumberKeys<FeatureQuality> | NumberKeys<ModelQuality>
type PerformanceMetric =
  | Exclude<NumberKeys<ClassificationMetrics> | NumberKeys<RegressionMetrics>, 'n'>
  // Window counts the performance service adds to the metrics message.
  | 'n_labelled'
  | 'n_predictions'
  | 'label_coverage'
type FairnessMetric = Exclude<NumberKeys<GroupFairness>, SampleSizes>

/**
 * Every metric a rule can watch, by family: the metrics the code computes and publishes on
 * vigil.metrics, checked against their result types at compile time (docs/metrics.md defines
 * each).
 */
export const RULE_METRICS = {
  drift: exactly<DriftMetric>()([
    'psi',
    'ks_statistic',
    'ks_p_value',
    'wasserstein',
    'wasserstein_norm',
    'jensen_shannon',
    'hellinger',
    'chi2_statistic',
    'chi2_p_value',
    'linf',
    'new_category_share',
    'drifted',
    'drift_share',
  ]),
  quality: exactly<QualityMetric>()([
    'count',
    'missing_rate',
    'type_mismatches',
    'new_categories',
    'new_category_share',
    'out_of_range_share',
    'late_events',
  ]),
  performance: exactly<PerformanceMetric>()([
    'accuracy',
    'precision',
    'recall',
    'f1',
    'precision_macro',
    'recall_macro',
    'f1_macro',
    'precision_weighted',
    'recall_weighted',
    'f1_weighted',
    'roc_auc',
    'log_loss',
    'brier',
    'mae',
    'rmse',
    'mape',
    'r2',
    'label_coverage',
    'n_labelled',
    'n_predictions',
  ]),
  fairness: exactly<FairnessMetric>()([
    'selection_rate',
    'tpr',
    'fpr',
    'precision',
    'disparate_impact',
    'demographic_parity_difference',
    'equal_opportunity_difference',
    'equalised_odds_difference',
  ]),
}
export type MetricFamily = keyof typeof RULE_METRICS
