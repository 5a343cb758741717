import { describe, expect, it } from 'vitest'
import { formatRows } from './format.js'

const rows = [
  { model: 'fraud', n: 3, note: 'a, "b"' },
  { model: 'churn-model', n: null, note: 'line\nbreak' },
]

describe('formatRows', () => {
  it('aligns a table, one line per row', () => {
    expect(formatRows(rows, 'table')).toBe(
      [
        'model        n  note',
        '-----------  -  -----------',
        'fraud        3  a, "b"',
        'churn-model     line\\nbreak',
      ].join('\n'),
    )
    expect(formatRows([], 'table')).toBe('(no rows)')
    expect(formatRows([], 'table', ['a', 'b'])).toBe('a  b\n-  -')
  })

  it('writes CSV as RFC 4180 quotes it, and JSON one object a line', () => {
    expect(formatRows(rows, 'csv')).toBe('model,n,note\nfraud,3,"a, ""b"""\nchurn-model,,"line\nbreak"')
    expect(
      formatRows(rows, 'json')
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(rows)
  })
})
