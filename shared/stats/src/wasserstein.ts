/**
 * Wasserstein-1 distance between two samples (SciPy's `wasserstein_distance`): the area between
 * their empirical CDFs, ∫ |F(x) − G(x)| dx. Both arguments sorted ascending.
 */
export function wasserstein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length
  const m = b.length
  let i = 0
  let j = 0
  let area = 0
  let prev = Math.min(a[0]!, b[0]!)
  while (i < n || j < m) {
    const x = j >= m || (i < n && a[i]! <= b[j]!) ? a[i]! : b[j]!
    area += Math.abs(i / n - j / m) * (x - prev)
    prev = x
    while (i < n && a[i] === x) i++
    while (j < m && b[j] === x) j++
  }
  return area
}
