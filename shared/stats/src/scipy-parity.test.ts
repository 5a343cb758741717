import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { categoricalDrift, numericalDrift } from './drift.js'

interface Case {
  name: string
  type: 'numerical' | 'categorical'
  reference: (number | string)[]
  current: (number | string)[]
  expected: Record<string, number> | null
}

// Reference values from SciPy and NumPy: fixtures/generate.py wrote fixtures/drift-cases.json.
const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/drift-cases.json', import.meta.url), 'utf8'),
) as {
  scipy: string
  cases: Case[]
}

describe(`drift statistics agree with SciPy ${fixtures.scipy} to 1e-6`, () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result =
      c.type === 'numerical'
        ? numericalDrift(c.reference as number[], c.current as number[])
        : categoricalDrift(c.reference as string[], c.current as string[])
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
