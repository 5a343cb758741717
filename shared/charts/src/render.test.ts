import { describe, expect, it } from 'vitest'
import { binLabels, distributionRows, distributionSpec } from './distribution.js'
import { toSvg } from './render.js'

// Charts are rendered in the process: an SVG document with the data drawn, nothing to fetch.

describe('distribution charts', () => {
  it('label bins between the edges, open at both ends', () => {
    expect(binLabels([1, 2.5, 100000])).toEqual(['≤ 1', '1 – 2.5', '2.5 – 1.00e+5', '> 1.00e+5'])
    expect(binLabels([])).toEqual(['all'])
  })

  it("give each side's share of its own sample", () => {
    const rows = distributionRows({
      kind: 'categorical',
      categories: ['DE', 'PL'],
      reference: [10, 0],
      current: [5, 5],
    })
    expect(rows).toEqual([
      { bin: 'DE', order: 0, side: 'reference', share: 1 },
      { bin: 'DE', order: 0, side: 'current', share: 0.5 },
      { bin: 'PL', order: 1, side: 'reference', share: 0 },
      { bin: 'PL', order: 1, side: 'current', share: 0.5 },
    ])
  })

  it('render to a self-contained SVG with a bar per bin and side', async () => {
    const svg = await toSvg(
      distributionSpec(
        { kind: 'numerical', edges: [1, 2], reference: [3, 4, 3], current: [1, 2, 7] },
        'amount',
      ),
    )
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('amount')
    expect(svg).toContain('1 – 2')
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/) // nothing fetched
    expect((svg.match(/role="graphics-symbol"/g) ?? []).length).toBeGreaterThanOrEqual(6)
  })
})
