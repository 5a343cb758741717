import type { Distribution } from '@vigil/charts'
import type { FeatureDrift } from '@vigil/stats'

export interface DriftReport {
  features: Record<string, FeatureDrift>
  drift_share: number
  /** Per feature, both samples over the bins the statistics compared (for the HTML report). */
  distributions: Record<string, Distribution>
}

/** The report as an aligned table for a person. */
export function renderReport(report: DriftReport): string {
  const rows = Object.entries(report.features).map(([name, f]) => {
    const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toPrecision(4))
    const decisive = f.drift_test === 'none' ? null : (f as unknown as Record<string, number>)[f.drift_test]
    return [
      name,
      f.type,
      `${f.n_reference}/${f.n_current}`,
      f.drifted ? 'DRIFT' : f.drift_test === 'none' ? 'no data' : 'ok',
      f.drift_test === 'none' ? '-' : `${f.drift_test}=${fmt(decisive)}`,
      fmt(f.psi),
      fmt(f.jensen_shannon),
      f.type === 'numerical' ? fmt(f.ks_p_value) : fmt(f.chi2_p_value),
    ]
  })
  const head = ['feature', 'type', 'n ref/cur', 'status', 'decided by', 'psi', 'js', 'p-value']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  const drifted = Object.values(report.features).filter((f) => f.drifted).length
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${drifted} of ${rows.length} features drifted (drift_share ${report.drift_share.toFixed(3)}).`,
  ].join('\n')
}
