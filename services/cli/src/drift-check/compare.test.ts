import { type Column, InputFileError, type Table } from '@vigil/baselines'
import { describe, expect, it } from 'vitest'
import { compareTables } from './compare.js'

function table(file: string, columns: Record<string, Partial<Column>>): Table {
  return {
    file,
    rows: 1,
    columns: new Map(
      Object.entries(columns).map(([k, c]) => [k, { numbers: [], texts: [], missing: 0, ...c }]),
    ),
  }
}

describe('compareTables', () => {
  const ref = table('ref.csv', {
    amount: { numbers: [1, 2, 3, 4, 5] },
    country: { texts: ['DE', 'FR', 'DE'] },
    zip: { numbers: [10115, 80331] },
  })
  const cur = table('cur.csv', {
    amount: { numbers: [2, 3, 4, 5, 6] },
    country: { texts: ['DE', 'NL'] },
    zip: { numbers: [10115, 20095] },
  })

  it('infers numerical and categorical columns and uses exactly the documented metric names', () => {
    const report = compareTables(ref, cur)
    expect(Object.keys(report.features.amount!).sort()).toEqual(
      [
        'type',
        'n_reference',
        'n_current',
        'psi',
        'ks_statistic',
        'ks_p_value',
        'wasserstein',
        'wasserstein_norm',
        'jensen_shannon',
        'hellinger',
        'drifted',
        'drift_test',
      ].sort(),
    )
    expect(Object.keys(report.features.country!).sort()).toEqual(
      [
        'type',
        'n_reference',
        'n_current',
        'psi',
        'chi2_statistic',
        'chi2_p_value',
        'jensen_shannon',
        'linf',
        'new_category_share',
        'drifted',
        'drift_test',
      ].sort(),
    )
    expect(report.features.zip!.type).toBe('numerical')
    expect(report.features.country).toMatchObject({ new_category_share: 0.5 })
  })

  it('lets --type make a numeric-looking column categorical', () => {
    const report = compareTables(ref, cur, new Map([['zip', 'categorical']]))
    expect(report.features.zip).toMatchObject({ type: 'categorical', new_category_share: 0.5 })
  })

  it('names the file and line of text in a column declared numerical', () => {
    const bad = table('cur.csv', { country: { texts: ['DE'], firstTextLine: 7, firstText: 'DE' } })
    expect(() =>
      compareTables(
        table('ref.csv', { country: { numbers: [1] } }),
        bad,
        new Map([['country', 'numerical']]),
      ),
    ).toThrow(new InputFileError('cur.csv', 7, 'column "country" is numerical but has the value "DE"'))
  })

  it('gives null statistics, never NaN, for a column only one file has', () => {
    const report = compareTables(ref, table('cur.csv', { amount: { numbers: [1] } }))
    expect(report.features.country).toMatchObject({
      n_current: 0,
      psi: null,
      drifted: false,
      drift_test: 'none',
    })
    expect(report.drift_share).toBe(0)
  })
})
