/** Sorted copy of finite numbers, ascending. */
export function sortedNumbers(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort()
}

/** NumPy's default quantile (linear interpolation between closest ranks) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) throw new Error('quantile of an empty sample')
  const h = (n - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, n - 1)
  const a = sorted[lo]!
  const b = sorted[hi]!
  const t = h - lo
  // NumPy's _lerp: from the nearer end, so t = 1 returns b exactly.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
}

export function mean(values: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i]!
  return s / values.length
}

/** Population standard deviation (NumPy's `std`, ddof = 0), two-pass. */
export function populationStd(values: ArrayLike<number>): number {
  const m = mean(values)
  let s = 0
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2
  return Math.sqrt(s / values.length)
}
