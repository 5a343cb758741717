import { kolmogorovSf } from './kolmogorov.js'
import { clip01 } from './numbers.js'

/** Above this many values in either sample SciPy's `method="auto"` leaves the exact p-value. */
export const KS_EXACT_MAX_N = 10_000

export interface KsResult {
  statistic: number
  pValue: number
  method: 'exact' | 'asymptotic'
}

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as SciPy's `ks_2samp(method="auto")`:
 * D = max |F(x) − G(x)| over the pooled values (ties handled), and an exact p-value when both
 * samples have at most 10,000 values, else the one-sample distribution `kstwo` at the effective size
 * round(n₁n₂/(n₁+n₂)). Arguments sorted ascending, both non-empty.
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const n1 = a.length
  const n2 = b.length
  let i = 0
  let j = 0
  let d = 0
  while (i < n1 && j < n2) {
    const x = Math.min(a[i]!, b[j]!)
    while (i < n1 && a[i] === x) i++
    while (j < n2 && b[j] === x) j++
    d = Math.max(d, Math.abs(i / n1 - j / n2))
  }
  return ksFromStatistic(d, n1, n2)
}

/**
 * The test from D and the sample sizes, as {@link ksTwoSample} decides it: for a D computed
 * elsewhere (by ClickHouse over two files) the same p-value.
 */
export function ksFromStatistic(d: number, n1: number, n2: number): KsResult {
  if (Math.max(n1, n2) > KS_EXACT_MAX_N) {
    // SciPy's 'asymp' branch: the one-sample distribution at the effective size, rounded half to even.
    const effective = roundHalfEven((n1 * n2) / (n1 + n2))
    return { statistic: d, pValue: kolmogorovSf(Math.max(1, effective), d), method: 'asymptotic' }
  }
  // The exact distribution lives on the lattice of multiples of 1/lcm(n1, n2); D is snapped to it.
  const g = gcd(n1, n2)
  const lcm = (n1 / g) * n2
  const h = Math.round(d * lcm)
  return { statistic: h / lcm, pValue: h === 0 ? 1 : clip01(exactTwoSidedP(n1, n2, g, h)), method: 'exact' }
}

/**
 * P(D ≥ h / lcm) under H0, as the share of monotone lattice paths from (0, 0) to (m, n) that
 * leave the band |x/m − y/n| < h/lcm (Hodges 1958). f(x, y), the share of paths to (x, y) that
 * have already left, is a convex combination of its two predecessors, so the recursion is
 * stable (the complement form suggested by Viehmann 2021) and needs no binomial coefficients.
 */
function exactTwoSidedP(n1: number, n2: number, g: number, h: number): number {
  if (n1 === n2) return outsideSquare(n1, h)
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1]
  const mg = m / g
  const ng = n / g
  // Point (x, y) is outside the band when |ng·x − mg·y| ≥ h.
  let prev = new Float64Array(n + 1)
  let cur = new Float64Array(n + 1)
  for (let x = 0; x <= m; x++) {
    for (let y = 0; y <= n; y++) {
      if (Math.abs(ng * x - mg * y) >= h) cur[y] = 1
      else if (x === 0 && y === 0) cur[y] = 0
      else cur[y] = (x * (x > 0 ? prev[y]! : 0) + y * (y > 0 ? cur[y - 1]! : 0)) / (x + y)
    }
    ;[prev, cur] = [cur, prev]
  }
  return prev[n]!
}

/**
 * Equal sample sizes: P(D ≥ h/n) = 2 Σ_k (−1)^(k+1) C(2n, n − k·h) / C(2n, n), summed from the
 * innermost term outwards so that each ratio of binomials is a product of h factors.
 */
function outsideSquare(n: number, h: number): number {
  let p = 0
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1)
    p = ratio * (1 - p)
  }
  return 2 * p
}

function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}
