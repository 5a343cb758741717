import { FLOAT64_EPS, ratio } from './numbers.js'
/**
 * Classification metrics of one window, defined as scikit-learn defines them (docs/metrics.md),
 * except that a ratio whose denominator is 0 is null (sklearn's `zero_division=np.nan`), never a
 * made-up 0 that would trip a `< 0.8` rule.
 */

export interface ClassifiedRow {
  /** The true class. */
  actual: string
  /** The predicted class. */
  predicted: string
  /** Predicted probability per class; rows that lack it are left out of AUC, log loss and Brier. */
  probabilities?: Readonly<Record<string, number>>
}

export interface ClassMetrics {
  precision: number | null
  recall: number | null
  f1: number | null
  /** Rows whose true class this is. */
  support: number
}

export interface ClassificationMetrics {
  n: number
  accuracy: number | null
  /** Binary: of the positive class. Multiclass: the macro average. */
  precision: number | null
  recall: number | null
  f1: number | null
  precision_macro: number | null
  recall_macro: number | null
  f1_macro: number | null
  precision_weighted: number | null
  recall_weighted: number | null
  f1_weighted: number | null
  /** Binary: P(positive) against the truth. Multiclass: one-vs-rest, macro over the classes present. */
  roc_auc: number | null
  log_loss: number | null
  brier: number | null
  per_class: Record<string, ClassMetrics>
  /** matrix[i][j]: rows of true class labels[i] predicted as labels[j]. */
  confusion_matrix: { labels: string[]; matrix: number[][] }
}

/** Mean of the defined values, weighted; null when none is defined (sklearn's nan-excluding average). */
function average(values: (number | null)[], weights?: number[]): number | null {
  let s = 0
  let w = 0
  values.forEach((v, i) => {
    if (v === null) return
    const wi = weights ? weights[i]! : 1
    s += v * wi
    w += wi
  })
  return w === 0 ? null : s / w
}

/**
 * What the metrics need of the rows that carry probabilities, however they were summed: in the
 * process (below) or by ClickHouse over a window's outcomes. `auc` per class l: the positives
 * (true class l) and negatives by P(l), and U, the Mann–Whitney statistic of the positives'
 * scores over the negatives' (a tie counts half).
 */
export interface ScoredSums {
  n: number
  logLossSum: number
  brierSum: number
  auc: Record<string, { positives: number; negatives: number; u: number }>
}

/**
 * @param classes every class the model knows (sorted); the classes seen in the rows are added.
 * @param positiveClass binary task: the class that counts as positive; absent: multiclass.
 */
export function classificationMetrics(
  rows: readonly ClassifiedRow[],
  options: { positiveClass?: string; classes?: readonly string[] } = {},
): ClassificationMetrics {
  const labels = [
    ...new Set([...(options.classes ?? []), ...rows.flatMap((r) => [r.actual, r.predicted])]),
  ].sort()
  const index = new Map(labels.map((l, i) => [l, i]))
  const matrix = labels.map(() => labels.map(() => 0))
  for (const r of rows) matrix[index.get(r.actual)!]![index.get(r.predicted)!]!++
  return metricsFromConfusion(
    labels,
    matrix,
    options.positiveClass,
    scoredSums(rows, labels, options.positiveClass),
  )
}

/** The metrics from the confusion matrix (matrix[i][j]: true labels[i] predicted labels[j]) and the scored rows' sums. */
export function metricsFromConfusion(
  labels: string[],
  matrix: number[][],
  positive: string | undefined,
  scored: ScoredSums,
): ClassificationMetrics {
  const perClass: Record<string, ClassMetrics> = {}
  let correct = 0
  let n = 0
  labels.forEach((l, i) => {
    const tp = matrix[i]![i]!
    correct += tp
    const support = matrix[i]!.reduce((a, b) => a + b, 0)
    n += support
    const predicted = matrix.reduce((a, row) => a + row[i]!, 0)
    perClass[l] = {
      precision: ratio(tp, predicted),
      recall: ratio(tp, support),
      f1: ratio(2 * tp, support + predicted),
      support,
    }
  })
  const cls = labels.map((l) => perClass[l]!)
  const supports = cls.map((c) => c.support)
  const macro = (k: 'precision' | 'recall' | 'f1') => average(cls.map((c) => c[k]))
  const weighted = (k: 'precision' | 'recall' | 'f1') =>
    average(
      cls.map((c) => c[k]),
      supports,
    )
  const headline = (k: 'precision' | 'recall' | 'f1') =>
    positive === undefined ? macro(k) : (perClass[positive]?.[k] ?? null)
  const aucOf = (l: string) => {
    const a = scored.auc[l]
    return a === undefined ? null : aucFromU(a.positives, a.negatives, a.u)
  }
  // One-vs-rest: the macro average over the true classes present among the scored rows.
  const present = labels.filter((l) => (scored.auc[l]?.positives ?? 0) > 0)
  return {
    n,
    accuracy: ratio(correct, n),
    precision: headline('precision'),
    recall: headline('recall'),
    f1: headline('f1'),
    precision_macro: macro('precision'),
    recall_macro: macro('recall'),
    f1_macro: macro('f1'),
    precision_weighted: weighted('precision'),
    recall_weighted: weighted('recall'),
    f1_weighted: weighted('f1'),
    roc_auc:
      positive !== undefined ? aucOf(positive) : present.length < 2 ? null : average(present.map(aucOf)),
    log_loss: scored.n === 0 ? null : scored.logLossSum / scored.n,
    brier: scored.n === 0 ? null : scored.brierSum / scored.n,
    per_class: perClass,
    confusion_matrix: { labels, matrix },
  }
}

/** U over positives × negatives; null unless both are present. */
export function aucFromU(positives: number, negatives: number, u: number): number | null {
  return positives === 0 || negatives === 0 ? null : u / (positives * negatives)
}

/** The sums over the rows that carry probabilities: log loss, Brier, and U per class. */
function scoredSums(
  rows: readonly ClassifiedRow[],
  labels: readonly string[],
  positive?: string,
): ScoredSums {
  const scored = rows.filter((r) => r.probabilities !== undefined)
  const auc: ScoredSums['auc'] = {}
  for (const l of positive !== undefined ? [positive] : labels)
    auc[l] = mannWhitney(scored.map((r) => [r.actual === l, p(r, l)]))
  return {
    n: scored.length,
    logLossSum: logLossSum(scored, labels),
    brierSum: brierSum(scored, labels, positive),
    auc,
  }
}

/** A row's probability of `label`, 0 when the model gave none for it. */
function p(r: ClassifiedRow, label: string): number {
  return r.probabilities?.[label] ?? 0
}

/**
 * Area under the ROC curve: the Mann–Whitney U of the positives' scores over the negatives',
 * ties counted half (average ranks); null unless both classes are present.
 */
export function binaryAuc(points: readonly (readonly [boolean, number])[]): number | null {
  const m = mannWhitney(points)
  return aucFromU(m.positives, m.negatives, m.u)
}

function mannWhitney(points: readonly (readonly [boolean, number])[]): {
  positives: number
  negatives: number
  u: number
} {
  const positives = points.filter(([y]) => y).length
  const sorted = [...points].sort((a, b) => a[1] - b[1])
  let rankSum = 0
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j < sorted.length && sorted[j]![1] === sorted[i]![1]) j++
    const rank = (i + 1 + j) / 2 // average of ranks i+1 … j
    for (let k = i; k < j; k++) if (sorted[k]![0]) rankSum += rank
    i = j
  }
  return { positives, negatives: points.length - positives, u: rankSum - (positives * (positives + 1)) / 2 }
}

/** Σ −log of the probability given to the true class, rows normalised to sum 1, clipped to [ε, 1−ε]. */
function logLossSum(rows: readonly ClassifiedRow[], labels: readonly string[]): number {
  let s = 0
  for (const r of rows) {
    const clipped = labels.map((l) => Math.min(1 - FLOAT64_EPS, Math.max(FLOAT64_EPS, p(r, l))))
    const total = clipped.reduce((a, b) => a + b, 0)
    s -= Math.log(clipped[labels.indexOf(r.actual)]! / total)
  }
  return s
}

/** Binary: Σ (P(positive) − y)². Multiclass: Σ Σ_k (p_k − y_k)² (sklearn's brier_score_loss is its mean). */
function brierSum(rows: readonly ClassifiedRow[], labels: readonly string[], positive?: string): number {
  let s = 0
  for (const r of rows) {
    if (positive !== undefined) s += (p(r, positive) - (r.actual === positive ? 1 : 0)) ** 2
    else for (const l of labels) s += (p(r, l) - (r.actual === l ? 1 : 0)) ** 2
  }
  return s
}
