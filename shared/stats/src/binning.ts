import { quantileSorted } from './sample.js'

/**
 * Bin edges of a numerical reference: its deciles 0.1 … 0.9 (NumPy's linear interpolation),
 * duplicates merged. With k edges there are k + 1 bins, open at both ends.
 */
export function decileEdges(sortedReference: ArrayLike<number>): number[] {
  const edges: number[] = []
  for (let i = 1; i <= 9; i++) {
    const e = quantileSorted(sortedReference, i / 10)
    if (edges.length === 0 || e !== edges.at(-1)) edges.push(e)
  }
  return edges
}

/** Index of the bin holding x: bin i holds e(i-1) < x ≤ e(i), i.e. the count of edges below x. */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (edges[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function binCounts(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0)
  for (let i = 0; i < values.length; i++) counts[binIndex(edges, values[i]!)]!++
  return counts
}

/** Counts → proportions summing to 1 (all zeros stay zeros). */
export function proportions(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.map((c) => (total === 0 ? 0 : c / total))
}
