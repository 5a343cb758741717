import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type ClassifiedRow, classificationMetrics } from './classification.js'
import { type FairnessRow, fairnessMetrics } from './fairness.js'
import { regressionMetrics } from './regression.js'

type Case =
  | {
      name: string
      kind: 'classification'
      positive_class: string | null
      classes: string[]
      rows: ClassifiedRow[]
      expected: unknown
    }
  | { name: string; kind: 'regression'; rows: { actual: number; predicted: number }[]; expected: unknown }
  | {
      name: string
      kind: 'fairness'
      reference_group: string
      groups: string[]
      rows: FairnessRow[]
      expected: unknown
    }

// Reference values from scikit-learn and Fairlearn: fixtures/generate_performance.py wrote them.
const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/performance-cases.json', import.meta.url), 'utf8'),
) as { sklearn: string; fairlearn: string; cases: Case[] }

/** AUC and log loss to 1e-6, the rest to 1e-9 (relative above 1); null only where undefined. */
function agree(got: unknown, want: unknown, path: string): void {
  if (want === null || typeof want !== 'object') {
    if (typeof want === 'number') {
      expect(typeof got, `${path}: got ${String(got)}, expected ${want}`).toBe('number')
      const tol = /roc_auc|log_loss/.test(path) ? 1e-6 : 1e-9
      expect(Math.abs((got as number) - want), `${path}: got ${got}, expected ${want}`).toBeLessThanOrEqual(
        tol * Math.max(1, Math.abs(want)),
      )
    } else expect(got, path).toEqual(want)
    return
  }
  expect(got, path).toBeTypeOf('object')
  for (const [k, v] of Object.entries(want)) agree((got as Record<string, unknown>)[k], v, `${path}.${k}`)
}

function nonFinite(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path]
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) => nonFinite(v, `${path}.${k}`))
}

function compute(c: Case): unknown {
  switch (c.kind) {
    case 'classification':
      return classificationMetrics(c.rows, {
        classes: c.classes,
        ...(c.positive_class !== null ? { positiveClass: c.positive_class } : {}),
      })
    case 'regression':
      return regressionMetrics(c.rows)
    case 'fairness':
      return fairnessMetrics(c.rows, c.reference_group, c.groups)
  }
}

describe(`accuracy and fairness agree with scikit-learn ${fixtures.sklearn} and Fairlearn ${fixtures.fairlearn}`, () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = compute(c)
    agree(got, c.expected, c.kind)
    // Never NaN or infinite: undefined is null.
    expect(nonFinite(got)).toEqual([])
  })
})
