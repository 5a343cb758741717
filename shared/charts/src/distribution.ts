import type { TopLevelSpec } from 'vega-lite'

/**
 * A feature's reference and current samples as counts over the same bins: a numerical feature's
 * bins between the reference's deciles (those PSI compares), a categorical feature's categories.
 */
export type Distribution =
  | { kind: 'numerical'; edges: number[]; reference: number[]; current: number[] }
  | { kind: 'categorical'; categories: string[]; reference: number[]; current: number[] }

/** Categories drawn at most; the rest are one bar, `(other)`. */
const SHOWN_CATEGORIES = 20

/** Both sides' counts over the most frequent categories of the two together. */
export function categoryDistribution(
  ref: ReadonlyMap<string, number>,
  cur: ReadonlyMap<string, number>,
): Distribution {
  const all = [...new Set([...ref.keys(), ...cur.keys()])].sort(
    (a, b) =>
      (ref.get(b) ?? 0) + (cur.get(b) ?? 0) - (ref.get(a) ?? 0) - (cur.get(a) ?? 0) || a.localeCompare(b),
  )
  const top = all.slice(0, SHOWN_CATEGORIES)
  const rest = all.slice(SHOWN_CATEGORIES)
  const sum = (m: ReadonlyMap<string, number>, keys: string[]) =>
    keys.reduce((a, k) => a + (m.get(k) ?? 0), 0)
  const side = (m: ReadonlyMap<string, number>) => [
    ...top.map((k) => m.get(k) ?? 0),
    ...(rest.length ? [sum(m, rest)] : []),
  ]
  return {
    kind: 'categorical',
    categories: rest.length ? [...top, `(other: ${rest.length})`] : top,
    reference: side(ref),
    current: side(cur),
  }
}

const fmt = (x: number) =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(+x.toPrecision(4))

/** The bins' labels: `≤ e0`, `e0 – e1`, …, `> e(k-1)` (a bin holds the values above its lower edge up to its upper one). */
export function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all']
  return [
    `≤ ${fmt(edges[0]!)}`,
    ...edges.slice(1).map((e, i) => `${fmt(edges[i]!)} – ${fmt(e)}`),
    `> ${fmt(edges.at(-1)!)}`,
  ]
}

/** The rows a chart of the distribution draws: a share per bin and side. */
export function distributionRows(
  d: Distribution,
): { bin: string; order: number; side: string; share: number }[] {
  const labels = d.kind === 'numerical' ? binLabels(d.edges) : d.categories
  const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) || 1
  const [nr, nc] = [total(d.reference), total(d.current)]
  return labels.flatMap((bin, order) => [
    { bin, order, side: 'reference', share: (d.reference[order] ?? 0) / nr },
    { bin, order, side: 'current', share: (d.current[order] ?? 0) / nc },
  ])
}

/** Grouped bars, reference beside current, of each bin's share of its sample. */
export function distributionSpec(d: Distribution, title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', fontSize: 13 },
    width: 420,
    height: 160,
    background: 'white',
    data: { values: distributionRows(d) },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'bin',
        type: 'ordinal',
        sort: { field: 'order' },
        title: d.kind === 'numerical' ? 'bins between the reference deciles' : 'category',
        axis: { labelAngle: -40, labelLimit: 130 },
      },
      xOffset: { field: 'side', sort: ['reference', 'current'] },
      y: { field: 'share', type: 'quantitative', title: 'share of sample', axis: { format: '.0%' } },
      color: {
        field: 'side',
        type: 'nominal',
        sort: ['reference', 'current'],
        scale: { domain: ['reference', 'current'], range: ['#9aa5b1', '#d9480f'] },
        legend: { orient: 'top', title: null },
      },
    },
  }
}
