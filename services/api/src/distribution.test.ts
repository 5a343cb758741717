import { categoricalProfile, numericalProfile } from '@vigil/stats'
import { describe, expect, it } from 'vitest'
import { windowDistribution } from './distribution.js'

const reference = numericalProfile(Array.from({ length: 1000 }, (_, i) => i))

describe('windowDistribution', () => {
  it('takes the exact bins when the window counted over this reference', () => {
    const bins = [5, 0, 0, 0, 0, 0, 0, 0, 0, 95]
    const d = windowDistribution(reference, 'baseline:*', {
      baseline: 'baseline:*',
      count: 100,
      bins,
      categories: {},
      sample: [1, 2],
    })
    expect(d.current_from).toBe('bins')
    expect(d.distribution).toMatchObject({ kind: 'numerical', current: bins })
    expect(d.n_current).toBe(100)
    if (d.distribution.kind !== 'numerical') throw new Error('numerical expected')
    expect(d.distribution.reference.reduce((a, b) => a + b, 0)).toBe(1000)
    expect(d.distribution.edges).toEqual(reference.edges)
  })

  it('puts the sample into the reference bins otherwise', () => {
    const d = windowDistribution(reference, 'first-window:2026-11-24T08:00:00.000Z', {
      baseline: '',
      count: 5000,
      bins: [],
      categories: {},
      sample: [-5, 2000, 2001, 500],
    })
    expect(d.current_from).toBe('sample')
    expect(d.n_current).toBe(4)
    if (d.distribution.kind !== 'numerical') throw new Error('numerical expected')
    expect(d.distribution.current[0]).toBe(1)
    expect(d.distribution.current.at(-1)).toBe(2)
    expect(d.distribution.current.reduce((a, b) => a + b, 0)).toBe(4)
  })

  it('shows categories the reference never saw', () => {
    const d = windowDistribution(categoricalProfile(['de', 'de', 'fr']), 'baseline:*', {
      baseline: 'baseline:*',
      count: 3,
      bins: [],
      categories: { de: 1, xx: 2 },
      sample: [],
    })
    expect(d.distribution).toEqual({
      kind: 'categorical',
      categories: ['de', 'xx', 'fr'],
      reference: [2, 0, 1],
      current: [1, 2, 0],
    })
  })
})
