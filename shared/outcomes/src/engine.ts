import {
  type ClickHouse,
  outcomeConfusionQuery,
  outcomeScoredQuery,
  outcomeSummaryQuery,
  runQuery,
  windowsParams,
} from '@vigil/clickhouse'
import type { ModelConfig } from '@vigil/config'
import { FLOAT64_EPS, type ScoredSums } from '@vigil/stats'
import {
  type ConfusionGroup,
  classificationPerformance,
  type OutcomeSummary,
  regressionPerformance,
  type ScoringSetup,
  scoringSetup,
} from './aggregates.js'
import { isRegression, type Performance } from './evaluate.js'
import { type ModelWindow, windowKey } from './windows.js'

/** What ClickHouse summed for a window: its accuracy, and its outcomes (labelled predictions). */
export interface WindowAccuracy {
  performance: Performance
  nLabelled: number
}

/**
 * Windows' accuracy summed by ClickHouse over their outcomes (`outcomes FINAL`), all windows in
 * one query per step: the evidence and regression sums of every window, the confusion groups of
 * the classification ones, then their scored sums over each one's classes. The process receives a
 * row per window, class pair and class, whatever the windows hold; the numbers are those of
 * {@link performanceOf} on their rows. Keyed by {@link windowKey}; a window without outcomes is absent.
 */
export async function windowsPerformance(
  ch: ClickHouse,
  windows: readonly ModelWindow[],
  settings: (modelId: string) => ModelConfig,
): Promise<Map<string, WindowAccuracy>> {
  const out = new Map<string, WindowAccuracy>()
  if (windows.length === 0) return out
  const byKey = new Map(windows.map((w) => [windowKey(w), w]))
  const params = (keys: readonly string[]) => windowsParams(keys.map((k) => byKey.get(k)!))
  const settle = (key: string, performance: Performance, n: number) =>
    out.set(key, { performance, nLabelled: n })

  const summaries = await runQuery(ch, outcomeSummaryQuery, {
    ...params([...byKey.keys()]),
    eps: FLOAT64_EPS,
  })
  const classified = new Map<string, OutcomeSummary>()
  for (const s of summaries) {
    const summary: OutcomeSummary = {
      n: s.n,
      numericLabels: s.numeric_labels,
      withValues: s.with_values,
      regression: {
        n: s.regression_n,
        absError: s.abs_error,
        squaredError: s.squared_error,
        relativeError: s.relative_error,
        totalSquares: s.total_squares,
      },
    }
    if (isRegression(summary, settings(byKey.get(s.window)!.modelId)))
      settle(s.window, regressionPerformance(summary), s.n)
    else classified.set(s.window, summary)
  }
  if (classified.size === 0) return out

  const keys = [...classified.keys()]
  const groups = new Map<string, ConfusionGroup[]>()
  for (const g of await runQuery(ch, outcomeConfusionQuery, params(keys))) {
    const list = groups.get(g.window) ?? []
    list.push(g)
    groups.set(g.window, list)
  }
  const setups = new Map<string, ScoringSetup>()
  for (const k of keys) setups.set(k, scoringSetup(groups.get(k) ?? [], settings(byKey.get(k)!.modelId)))
  const scored = new Map<string, ScoredSums>(
    keys.map((k) => [k, { n: 0, logLossSum: 0, brierSum: 0, auc: {} }]),
  )
  const entries = [...setups]
  const rows = await runQuery(ch, outcomeScoredQuery, {
    ...params(keys),
    labels: Object.fromEntries(entries.map(([k, s]) => [k, s.labels])),
    scored: Object.fromEntries(
      entries.map(([k, s]) => [
        k,
        s.positive === undefined || s.labels.includes(s.positive) ? s.labels : [...s.labels, s.positive],
      ]),
    ),
    positive: Object.fromEntries(
      entries.flatMap(([k, s]) => (s.positive === undefined ? [] : [[k, s.positive]])),
    ),
    negative: Object.fromEntries(
      entries.flatMap(([k, s]) => (s.negative === undefined ? [] : [[k, s.negative]])),
    ),
    brierAll: entries.filter(([, s]) => s.positive === undefined).map(([k]) => k),
    eps: FLOAT64_EPS,
  })
  for (const r of rows) {
    const sums = scored.get(r.window)!
    sums.n = r.positives + r.negatives // every class sees every scored row
    sums.logLossSum += r.log_loss_sum
    sums.brierSum += r.brier_sum
    sums.auc[r.l] = { positives: r.positives, negatives: r.negatives, u: r.u }
  }
  for (const k of keys)
    settle(
      k,
      classificationPerformance(setups.get(k)!, groups.get(k) ?? [], scored.get(k)!),
      classified.get(k)!.n,
    )
  return out
}
