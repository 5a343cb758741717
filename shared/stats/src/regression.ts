import { FLOAT64_EPS } from './numbers.js'

/** Regression metrics of one window, as scikit-learn defines them (docs/metrics.md). */
export interface RegressionMetrics {
  n: number
  mae: number | null
  rmse: number | null
  /** Mean of |y − ŷ| / max(|y|, ε): sklearn's mean_absolute_percentage_error (a share, not ×100). */
  mape: number | null
  /**
   * 1 − SS_res/SS_tot; for a constant truth 1 when every prediction is exact, else 0; null below
   * two rows (sklearn: not well-defined).
   */
  r2: number | null
}

export function regressionMetrics(rows: readonly { actual: number; predicted: number }[]): RegressionMetrics {
  const n = rows.length
  if (n === 0) return { n, mae: null, rmse: null, mape: null, r2: null }
  let abs = 0
  let sq = 0
  let pct = 0
  let mean = 0
  for (const r of rows) {
    const e = r.actual - r.predicted
    abs += Math.abs(e)
    sq += e * e
    pct += Math.abs(e) / Math.max(Math.abs(r.actual), FLOAT64_EPS)
    mean += r.actual
  }
  mean /= n
  let total = 0
  for (const r of rows) total += (r.actual - mean) ** 2
  const r2 = n < 2 ? null : total === 0 ? (sq === 0 ? 1 : 0) : 1 - sq / total
  return { n, mae: abs / n, rmse: Math.sqrt(sq / n), mape: pct / n, r2 }
}
