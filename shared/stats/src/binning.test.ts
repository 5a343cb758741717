import { describe, expect, it } from 'vitest'
import { binCounts, binIndex, decileEdges } from './binning.js'
import { quantileSorted } from './sample.js'
import { wasserstein } from './wasserstein.js'

describe('binning', () => {
  it('puts x in bin i when e(i-1) < x ≤ e(i), open at both ends', () => {
    const edges = [1, 2, 3]
    expect([0, 1, 1.5, 2, 3, 3.5].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 3])
    expect(binCounts(edges, [0, 1, 1.5, 2, 3, 3.5])).toEqual([2, 2, 1, 1])
  })

  it('merges duplicate decile edges', () => {
    expect(decileEdges(Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 2, 3]))).toEqual([
      1, 1.2000000000000002, 2.0999999999999996,
    ]) // NumPy: np.unique(np.quantile(x, [.1 … .9]))
    expect(decileEdges(Float64Array.from([5, 5, 5]))).toEqual([5])
  })

  it('interpolates quantiles linearly like NumPy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(quantileSorted([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3, 12)
    expect(quantileSorted([7], 0.9)).toBe(7)
  })
})

describe('wasserstein', () => {
  it('is the area between the empirical CDFs', () => {
    expect(wasserstein([0, 1], [0, 1])).toBe(0)
    expect(wasserstein([0], [2])).toBe(2)
    expect(wasserstein([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12)
  })
})
