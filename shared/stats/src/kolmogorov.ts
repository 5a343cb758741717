import { clip01 } from './numbers.js'

/**
 * P(D_n ≥ x) for the two-sided one-sample Kolmogorov–Smirnov statistic D_n of n values, the
 * distribution SciPy calls `kstwo`. ks_2samp(method="auto") evaluates it at the rounded effective
 * size n₁n₂/(n₁+n₂) for samples above 10,000 values, so vigil does the same.
 *
 * Each region uses the method Simard & L'Ecuyer (2011) chose for it, as SciPy does, so that the
 * approximations (Pelz–Good, and the large-n Smirnov formula) are the same approximations:
 * - n·x ≤ 1 and n·x ≥ n − 1: the closed forms of Ruben & Gambino (1982);
 * - x ≥ 0.5, or n·x² large: 2 · P(D_n⁺ ≥ x), the one-sided Smirnov tail (exact sum);
 * - small n·x²: Durbin's matrix (Marsaglia, Tsang & Wang 2003), exact; Simard & L'Ecuyer use
 *   Pomeranz's recursion in part of that region for speed, the value is the same exact one;
 * - otherwise, for n > 140: the Pelz–Good (1976) asymptotic series.
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`n must be a positive integer, got ${n}`)
  if (x >= 1) return 0
  if (x <= 0) return 1
  const t = n * x
  if (t <= 1) {
    if (t <= 0.5) return 1
    // P(D_n < x) = n!/nⁿ · (2t − 1)ⁿ
    return clip01(1 - Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1)))
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n)
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x))
  const nxx = t * x
  if (n <= 140) {
    if (nxx <= 4) return clip01(1 - durbinCdf(n, x))
    return clip01(2 * smirnovSf(n, x))
  }
  if (nxx >= 370) return 0
  if (nxx >= 2.2) return clip01(2 * smirnovSf(n, x))
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x)
  return clip01(1 - cdf)
}

/** log(n! / nⁿ) */
function logFactorialOverPower(n: number): number {
  let s = 0
  for (let i = 1; i <= n; i++) s += Math.log(i / n)
  return s
}

/** log of the smallest positive normal double: below it a tail probability is 0. */
const MIN_LOG = -708.3964185322641

/**
 * P(D_n⁺ ≥ x), the one-sided Smirnov tail (SciPy's `special.smirnov`): the Birnbaum–Tingey sum
 * x · Σ_{j=0}^{⌊n(1−x)⌋} C(n, j) (1 − x − j/n)^(n−j) (x + j/n)^(j−1), all terms positive, summed
 * in log space. Above a million values SciPy uses e^(−(6nx+1)²/(18n)) instead; so does vigil.
 */
export function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1
  if (x >= 1) return 0
  if (n === 1) return x
  if (n * x <= 1) return 1 - x * (1 + x) ** (n - 1)
  if (-2 * n * x * x < MIN_LOG) return 0
  if (Math.floor(n * x) >= n - 1) return (1 - x) ** n
  if (n > 1_000_000) return Math.exp(-((6 * n * x + 1) ** 2) / 18 / n)
  const last = Math.floor(n * (1 - x))
  let logBinomial = 0 // log C(n, j), updated term by term
  let sum = 0
  for (let j = 0; j <= last; j++) {
    const below = (n - j) / n - x
    if (below > 0) {
      sum += Math.exp(logBinomial + (n - j) * Math.log(below) + (j - 1) * Math.log(x + j / n))
    }
    logBinomial += Math.log((n - j) / (j + 1))
  }
  return x * sum
}

/**
 * P(D_n < x) by Durbin's matrix: with x = (k − h)/n, k a positive integer and 0 ≤ h < 1, it is
 * n!/nⁿ times entry (k, k) of Hⁿ, H the (2k−1)-square matrix of Marsaglia, Tsang & Wang (2003).
 * Hⁿ by repeated squaring, with powers of two factored out so no entry overflows.
 */
export function durbinCdf(n: number, x: number): number {
  const nx = n * x
  if (x >= 1) return 1
  if (nx <= 0.5) return 0
  const k = Math.ceil(nx)
  const h = k - nx
  const m = 2 * k - 1
  const H = new Float64Array(m * m)
  // Column j holds 1/(i − j + 1)! from row j − 1 down; the first column and the last row are
  // reduced by h^r / r!, and the corner corrected by (2h − 1)^m / m! when 2h > 1.
  const invFactorial = [1]
  for (let r = 1; r <= m; r++) invFactorial.push(invFactorial[r - 1]! / r)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) if (i - j + 1 >= 0) H[i * m + j] = invFactorial[i - j + 1]!
  for (let i = 0; i < m; i++) {
    H[i * m] = H[i * m]! - h ** (i + 1) * invFactorial[i + 1]!
    H[(m - 1) * m + i] = H[(m - 1) * m + i]! - h ** (m - i) * invFactorial[m - i]!
  }
  if (2 * h - 1 > 0) H[(m - 1) * m] = H[(m - 1) * m]! + (2 * h - 1) ** m * invFactorial[m]!

  const power = scaledPower(H, m, n)
  // Multiply by n!/nⁿ = Π i/n, keeping the mantissa in range.
  let p = power.matrix[(k - 1) * m + (k - 1)]!
  let exponent = power.exponent
  for (let i = 1; i <= n; i++) {
    p = (p * i) / n
    if (p !== 0 && Math.abs(p) < 2 ** -128) {
      p *= 2 ** 128
      exponent -= 128
    }
  }
  return clip01(ldexp(p, exponent))
}

/** Aⁿ as matrix · 2^exponent. */
function scaledPower(a: Float64Array, m: number, n: number): { matrix: Float64Array; exponent: number } {
  let result = identity(m)
  let resultExponent = 0
  let base = a
  let baseExponent = 0
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      result = multiply(result, base, m)
      resultExponent += baseExponent
      const shift = rescale(result)
      resultExponent += shift
    }
    if (e > 1) {
      base = multiply(base, base, m)
      baseExponent *= 2
      baseExponent += rescale(base)
    }
  }
  return { matrix: result, exponent: resultExponent }
}

/** Divides by a power of two when the largest entry is above 2^128; returns that power. */
function rescale(a: Float64Array): number {
  let max = 0
  for (const v of a) max = Math.max(max, Math.abs(v))
  if (max <= 2 ** 128) return 0
  const shift = Math.floor(Math.log2(max))
  const factor = 2 ** -shift
  for (let i = 0; i < a.length; i++) a[i] = a[i]! * factor
  return shift
}

function identity(m: number): Float64Array {
  const a = new Float64Array(m * m)
  for (let i = 0; i < m; i++) a[i * m + i] = 1
  return a
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m)
  for (let i = 0; i < m; i++)
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]!
      if (ail === 0) continue
      for (let j = 0; j < m; j++) c[i * m + j] = c[i * m + j]! + ail * b[l * m + j]!
    }
  return c
}

/** x · 2^e without overflowing or underflowing 2^e on its own. */
function ldexp(x: number, e: number): number {
  let r = x
  let rest = e
  while (rest > 1000) {
    r *= 2 ** 1000
    rest -= 1000
  }
  while (rest < -1000) {
    r *= 2 ** -1000
    rest += 1000
  }
  return r * 2 ** rest
}

/**
 * P(D_n ≤ x) ≈ K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^(3/2), z = x√n: the Li-Chien–Korolyuk
 * expansion in the form Pelz & Good (1976) gave it for small z (Jacobi theta transformation).
 */
export function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const z = Math.sqrt(n) * x
  const z2 = z * z
  const z4 = z2 * z2
  const z6 = z4 * z2
  const pi2 = Math.PI ** 2
  const pi4 = pi2 * pi2
  const pi6 = pi4 * pi2
  if (-pi2 / 8 / z2 < -708) return 0 // every term underflows
  const terms = Math.ceil((16 * z) / Math.PI)
  // Sums over odd m = 2k − 1 of polynomial(m) · e^(−m²π²/(8z²)).
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  for (let k = terms; k >= 1; k--) {
    const m2 = (2 * k - 1) ** 2
    const m4 = m2 * m2
    const m6 = m4 * m2
    const e = Math.exp((-m2 * pi2) / (8 * z2))
    s0 += e
    s1 += (-z2 + (pi2 / 4) * m2) * e
    s2 += (6 * z6 + 2 * z4 + ((2 * z4 - 5 * z2) * pi2 * m2) / 4 + (pi4 * (1 - 2 * z2) * m4) / 16) * e
    s3 +=
      (-30 * z6 -
        90 * z4 * z4 +
        (pi2 * (135 * z4 - 96 * z6) * m2) / 4 +
        (pi4 * (212 * z4 - 60 * z2) * m4) / 16 +
        (pi6 * (5 - 30 * z2) * m6) / 64) *
      e
  }
  // Sums over all k of k² e^(−k²π²/(2z²)), and of (3z² − k²π²) k² e^(−k²π²/(2z²)).
  let t2 = 0
  let t3 = 0
  for (let k = terms; k >= 1; k--) {
    const k2 = k * k
    const e = Math.exp((-k2 * pi2) / (2 * z2))
    t2 += k2 * e
    t3 += (3 * z2 - k2 * pi2) * k2 * e
  }
  const root2pi = Math.sqrt(2 * Math.PI)
  const k0 = (root2pi * s0) / z
  const k1 = (root2pi * s1) / (6 * z4)
  const k2 = (root2pi * s2) / (72 * z6 * z) - (pi2 * root2pi * t2) / (36 * z2 * z)
  const k3 = (root2pi * s3) / (6480 * z6 * z4) + (pi2 * root2pi * t3) / (216 * z6)
  return k0 + k1 / Math.sqrt(n) + k2 / n + k3 / n ** 1.5
}
