export interface Chi2Result {
  statistic: number
  pValue: number
  dof: number
}

/**
 * Pearson's chi-square test of independence on a 2×k table of counts (SciPy's
 * `chi2_contingency(table, correction=False)`): rows are the reference and current counts of
 * the same k categories. Every column must have a positive total. One category: 0 and p = 1.
 */
export function chi2TwoRows(reference: readonly number[], current: readonly number[]): Chi2Result {
  const k = reference.length
  const r0 = reference.reduce((a, b) => a + b, 0)
  const r1 = current.reduce((a, b) => a + b, 0)
  const total = r0 + r1
  const dof = k - 1
  if (dof === 0) return { statistic: 0, pValue: 1, dof }
  let statistic = 0
  for (let j = 0; j < k; j++) {
    const col = reference[j]! + current[j]!
    const e0 = (r0 * col) / total
    const e1 = (r1 * col) / total
    statistic += (reference[j]! - e0) ** 2 / e0 + (current[j]! - e1) ** 2 / e1
  }
  return { statistic, pValue: chi2Sf(statistic, dof), dof }
}

/** P(X > x) for X ~ χ²(dof): the regularized upper incomplete gamma Q(dof/2, x/2). */
export function chi2Sf(x: number, dof: number): number {
  if (x <= 0) return 1
  return upperGammaQ(dof / 2, x / 2)
}

/** Regularized upper incomplete gamma Q(a, x): series below a + 1, continued fraction above. */
export function upperGammaQ(a: number, x: number): number {
  if (x < a + 1) return Math.max(0, 1 - lowerSeries(a, x))
  return continuedFraction(a, x)
}

function lowerSeries(a: number, x: number): number {
  let term = 1 / a
  let sum = term
  for (let n = 1; n < 10_000; n++) {
    term *= x / (a + n)
    sum += term
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
}

/** Modified Lentz evaluation of Q(a, x)'s continued fraction. */
function continuedFraction(a: number, x: number): number {
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
}

// Lanczos approximation (g = 7, 9 terms): relative error below 1e-15 for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
]

export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z)
  const x = z - 1
  let a = LANCZOS[0]!
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}
