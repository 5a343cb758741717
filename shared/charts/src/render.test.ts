import { describe, expect, it } from 'vitest'
import { alertSpec } from './alert.js'
import { binLabels, distributionRows, distributionSpec } from './distribution.js'
import { toPng, toSvg } from './render.js'

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

describe('alert charts', () => {
  it('render to a PNG of the width asked, the threshold and the firing window drawn', async () => {
    const points = [0, 1, 2, 3].map((w) => ({
      windowStart: Date.UTC(2026, 10, 24, w),
      value: w === 3 ? 0.5 : 0.05,
    }))
    const svg = await toSvg(
      alertSpec({
        title: 'fraud: psi',
        metric: 'psi',
        series: [{ subject: 'amount', points }],
        thresholds: [0.2],
        firing: points[3]!.windowStart,
      }),
    )
    expect(svg).toContain('amount')
    const png = toPng(svg, 800)
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    expect(png.readUInt32BE(16)).toBe(800)
    expect(png.readUInt32BE(20)).toBeGreaterThan(200)
  })
})
