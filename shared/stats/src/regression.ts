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

/** What the metrics need of the rows, however they were summed (in the process, or by ClickHouse). */
export interface RegressionSums {
  n: number
  /** Σ |y − ŷ|, Σ (y − ŷ)², Σ |y − ŷ| / max(|y|, ε). */
  absError: number
  squaredError: number
  relativeError: number
  /** Σ (y − ȳ)². */
  totalSquares: number
}

export function regressionMetrics(rows: readonly { actual: number; predicted: number }[]): RegressionMetrics {
  const n = rows.length
  let absError = 0
  let squaredError = 0
  let relativeError = 0
  let mean = 0
  for (const r of rows) {
    const e = r.actual - r.predicted
    absError += Math.abs(e)
    squaredError += e * e
    relativeError += Math.abs(e) / Math.max(Math.abs(r.actual), FLOAT64_EPS)
    mean += r.actual
  }
  mean /= n
  let totalSquares = 0
  for (const r of rows) totalSquares += (r.actual - mean) ** 2
  return regressionFromSums({ n, absError, squaredError, relativeError, totalSquares })
}

export function regressionFromSums(s: RegressionSums): RegressionMetrics {
  const { n } = s
  if (n === 0) return { n, mae: null, rmse: null, mape: null, r2: null }
  const sq = s.squaredError
  const total = s.totalSquares
  const r2 = n < 2 ? null : total === 0 ? (sq === 0 ? 1 : 0) : 1 - sq / total
  return { n, mae: s.absError / n, rmse: Math.sqrt(sq / n), mape: s.relativeError / n, r2 }
}
