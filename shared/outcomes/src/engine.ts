import {
  type ClickHouse,
  type ModelWindowParams,
  outcomeConfusionQuery,
  outcomeScoredQuery,
  outcomeSummaryQuery,
  runQuery,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { ModelConfig } from '@vigil/config'
import { FLOAT64_EPS, type ScoredSums } from '@vigil/stats'
import { classificationPerformance, regressionPerformance, scoringSetup } from './aggregates.js'
import { isRegression, type Performance } from './evaluate.js'
import type { ModelWindow } from './windows.js'

/**
 * A window's accuracy summed by ClickHouse over its outcomes (`outcomes FINAL`): two queries for
 * a regression window's evidence and sums, three for a classification one (evidence, confusion
 * groups, the scored sums over its classes). The process receives a row per class pair and per
 * class, whatever the window holds; the numbers are those of {@link performanceOf} on its rows.
 */
export async function windowPerformance(
  ch: ClickHouse,
  w: ModelWindow,
  model: ModelConfig,
): Promise<{ performance: Performance; nLabelled: number }> {
  const window: ModelWindowParams = {
    model: w.modelId,
    version: w.modelVersion,
    from: toClickHouseTime(w.start),
    to: toClickHouseTime(w.end),
  }
  const [s] = await runQuery(ch, outcomeSummaryQuery, { ...window, eps: FLOAT64_EPS })
  const summary = {
    n: s!.n,
    numericLabels: s!.numeric_labels,
    withValues: s!.with_values,
    regression: {
      n: s!.regression_n,
      absError: s!.abs_error,
      squaredError: s!.squared_error,
      relativeError: s!.relative_error,
      totalSquares: s!.total_squares,
    },
  }
  if (isRegression(summary, model))
    return { performance: regressionPerformance(summary), nLabelled: summary.n }
  const groups = await runQuery(ch, outcomeConfusionQuery, window)
  const setup = scoringSetup(groups, model)
  const positive = setup.positive ?? ''
  const rows = await runQuery(ch, outcomeScoredQuery, {
    ...window,
    labels: setup.labels,
    scored:
      setup.labels.includes(positive) || setup.positive === undefined
        ? setup.labels
        : [...setup.labels, positive],
    positive,
    negative: setup.negative ?? '',
    scoreIsPositive: setup.negative !== undefined,
    brierAll: setup.positive === undefined,
    eps: FLOAT64_EPS,
  })
  const scored: ScoredSums = { n: 0, logLossSum: 0, brierSum: 0, auc: {} }
  for (const r of rows) {
    scored.n = r.positives + r.negatives // every class sees every scored row
    scored.logLossSum += r.log_loss_sum
    scored.brierSum += r.brier_sum
    scored.auc[r.l] = { positives: r.positives, negatives: r.negatives, u: r.u }
  }
  return { performance: classificationPerformance(setup, groups, scored), nLabelled: summary.n }
}
