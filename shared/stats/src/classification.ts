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
  const perClass: Record<string, ClassMetrics> = {}
  let correct = 0
  labels.forEach((l, i) => {
    const tp = matrix[i]![i]!
    correct += tp
    const support = matrix[i]!.reduce((a, b) => a + b, 0)
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
  const positive = options.positiveClass
  const headline = (k: 'precision' | 'recall' | 'f1') =>
    positive === undefined ? macro(k) : (perClass[positive]?.[k] ?? null)
  const scored = rows.filter((r) => r.probabilities !== undefined)
  return {
    n: rows.length,
    accuracy: ratio(correct, rows.length),
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
      positive === undefined
        ? ovrAuc(scored, labels)
        : binaryAuc(scored.map((r) => [r.actual === positive, p(r, positive)])),
    log_loss: logLoss(scored, labels),
    brier: brier(scored, labels, positive),
    per_class: perClass,
    confusion_matrix: { labels, matrix },
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
  const nPos = points.filter(([y]) => y).length
  const nNeg = points.length - nPos
  if (nPos === 0 || nNeg === 0) return null
  const sorted = [...points].sort((a, b) => a[1] - b[1])
  let rankSum = 0
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j < sorted.length && sorted[j]![1] === sorted[i]![1]) j++
    const rank = (i + 1 + j) / 2 // average of ranks i+1 … j
    for (let k = i; k < j; k++) if (sorted[k]![0]) rankSum += rank
    i = j
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg)
}

/** One-vs-rest macro AUC over the true classes; null when fewer than two are present. */
function ovrAuc(rows: readonly ClassifiedRow[], labels: readonly string[]): number | null {
  const present = labels.filter((l) => rows.some((r) => r.actual === l))
  if (present.length < 2) return null
  return average(present.map((l) => binaryAuc(rows.map((r) => [r.actual === l, p(r, l)]))))
}

/** Mean −log of the probability given to the true class, rows normalised to sum 1, clipped to [ε, 1−ε]. */
function logLoss(rows: readonly ClassifiedRow[], labels: readonly string[]): number | null {
  if (rows.length === 0) return null
  let s = 0
  for (const r of rows) {
    const clipped = labels.map((l) => Math.min(1 - FLOAT64_EPS, Math.max(FLOAT64_EPS, p(r, l))))
    const total = clipped.reduce((a, b) => a + b, 0)
    s -= Math.log(clipped[labels.indexOf(r.actual)]! / total)
  }
  return s / rows.length
}

/** Binary: mean (P(positive) − y)². Multiclass: mean Σ_k (p_k − y_k)², as sklearn's brier_score_loss. */
function brier(rows: readonly ClassifiedRow[], labels: readonly string[], positive?: string): number | null {
  if (rows.length === 0) return null
  let s = 0
  for (const r of rows) {
    if (positive !== undefined) s += (p(r, positive) - (r.actual === positive ? 1 : 0)) ** 2
    else for (const l of labels) s += (p(r, l) - (r.actual === l ? 1 : 0)) ** 2
  }
  return s / rows.length
}
