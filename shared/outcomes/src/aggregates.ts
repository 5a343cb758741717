import type { ModelConfig } from '@vigil/config'
import { metricsFromConfusion, type RegressionSums, regressionFromSums, type ScoredSums } from '@vigil/stats'
import { classificationTask, leftOutNote, type Performance, type TaskEvidence } from './evaluate.js'

/**
 * A window's accuracy from sums over its outcomes instead of the outcomes themselves, so that
 * the engine that holds them (ClickHouse) does the summing and the process gets a few numbers.
 * The steps mirror {@link performanceOf}: the evidence decides regression or classification;
 * a classification's confusion groups decide its classes and positive class; the scored sums are
 * taken over those classes. Each step's sums are what `performanceOf` would compute from rows.
 */

/** Step 1: the task's evidence, and the regression sums (over outcomes with a numeric label and a predicted value or score). */
export interface OutcomeSummary extends TaskEvidence {
  regression: RegressionSums
}

/** Step 2 (classification): outcomes per true class, label kind and predicted class (null: no label or probabilities). */
export interface ConfusionGroup {
  actual: string
  numeric: boolean
  predicted: string | null
  n: number
}

/** What step 3 sums over: the window's classes, and how a bare score becomes probabilities. */
export interface ScoringSetup {
  task: 'binary' | 'multiclass'
  positive?: string
  /** Every class of the window, sorted: log loss and Brier sum over them. */
  labels: string[]
  /** With exactly two classes, a binary model's bare `score` is P(positive) and 1 − score P(negative). */
  negative?: string
  notes: string[]
}

/** The classes and task of a classification window from its confusion groups, as performanceOf decides them. */
export function scoringSetup(groups: readonly ConfusionGroup[], model: ModelConfig): ScoringSetup {
  const notes: string[] = []
  const classes = new Set<string>()
  for (const g of groups) {
    classes.add(g.actual)
    if (g.predicted !== null && !g.numeric) classes.add(g.predicted)
  }
  const { task, positive } = classificationTask(model, classes, notes)
  const labels = [
    ...new Set([...classes, ...groups.flatMap((g) => (g.predicted === null ? [] : [g.predicted]))]),
  ].sort()
  return {
    task,
    ...(positive !== undefined ? { positive } : {}),
    labels,
    ...(positive !== undefined && classes.size === 2
      ? { negative: [...classes].sort().find((c) => c !== positive)! }
      : {}),
    notes,
  }
}

/** A regression window's metrics from its summary. */
export function regressionPerformance(s: OutcomeSummary): Performance {
  const notes = s.regression.n < s.n ? [leftOutNote.regression(s.n - s.regression.n)] : []
  return { task: 'regression', performance: regressionFromSums(s.regression), notes }
}

/** A classification window's metrics from its confusion groups and the scored sums over its classes. */
export function classificationPerformance(
  setup: ScoringSetup,
  groups: readonly ConfusionGroup[],
  scored: ScoredSums,
): Performance {
  const { labels, positive } = setup
  const index = new Map(labels.map((l, i) => [l, i]))
  const matrix = labels.map(() => labels.map(() => 0))
  let leftOut = 0
  for (const g of groups)
    if (g.predicted === null) leftOut += g.n
    else matrix[index.get(g.actual)!]![index.get(g.predicted)!]! += g.n
  const notes = [...setup.notes, ...(leftOut > 0 ? [leftOutNote.classification(leftOut)] : [])]
  return {
    task: setup.task,
    ...(positive !== undefined ? { positive_class: positive } : {}),
    performance: metricsFromConfusion(labels, matrix, positive, scored),
    notes,
  }
}
