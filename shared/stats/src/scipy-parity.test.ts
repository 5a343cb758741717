import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { categoricalDrift, numericalDrift } from './drift.js'
import { kolmogorovSf } from './kolmogorov.js'

interface Case {
  name: string
  type: 'numerical' | 'categorical'
  reference?: (number | string)[]
  current?: (number | string)[]
  /** [n1, n2, multiplier1, multiplier2, shift]: the samples are built by largeSample. */
  large_sample?: [number, number, number, number, number]
  expected: Record<string, number> | null
}

// Reference values from SciPy and NumPy: fixtures/generate.py wrote fixtures/drift-cases.json.
const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/drift-cases.json', import.meta.url), 'utf8'),
) as {
  scipy: string
  cases: Case[]
  /** [n, x, scipy.stats.kstwo.sf(x, n)] */
  kstwo_sf: [number, number, number][]
}

/** The generator's large_sample: (i·multiplier mod 10007)/1000 + shift, exact in both languages. */
function largeSample(n: number, multiplier: number, shift: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * multiplier) % 10007) / 1000 + shift)
}

function samples(c: Case): [(number | string)[], (number | string)[]] {
  if (!c.large_sample) return [c.reference ?? [], c.current ?? []]
  const [n1, n2, m1, m2, shift] = c.large_sample
  return [largeSample(n1, m1, 0), largeSample(n2, m2, shift)]
}

describe(`drift statistics agree with SciPy ${fixtures.scipy} to 1e-6`, () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const [reference, current] = samples(c)
    const result =
      c.type === 'numerical'
        ? numericalDrift(reference as number[], current as number[])
        : categoricalDrift(reference as string[], current as string[])
    const values = Object.values(result).filter((v) => typeof v === 'number')
    for (const v of values) expect(Number.isFinite(v), 'every number is finite').toBe(true)
    if (c.expected === null) {
      // An empty sample: nothing to compare, every statistic null, never NaN.
      for (const [k, v] of Object.entries(result))
        if (!['type', 'drift_test'].includes(k) && typeof v !== 'boolean' && !k.startsWith('n_'))
          expect(v, k).toBeNull()
      expect(result.drifted).toBe(false)
      return
    }
    for (const [metric, want] of Object.entries(c.expected)) {
      const got = (result as unknown as Record<string, number>)[metric] ?? Number.NaN
      expect(Math.abs(got - want), `${metric}: got ${got}, SciPy ${want}`).toBeLessThanOrEqual(1e-6)
    }
  })
})

describe(`P(D_n ≥ x) agrees with SciPy ${fixtures.scipy}'s kstwo.sf to 1e-6 in every region`, () => {
  it.each(fixtures.kstwo_sf)('n = %i, x = %f', (n, x, want) => {
    const got = kolmogorovSf(n, x)
    expect(Math.abs(got - want), `got ${got}, SciPy ${want}`).toBeLessThanOrEqual(1e-6)
    // Small p-values carry their information in the relative error.
    if (want > 1e-300) expect(Math.abs(got - want) / want).toBeLessThanOrEqual(1e-6)
  })
})
