import type { Evaluation } from '@vigil/outcomes'

const fmt = (v: unknown) =>
  v === null || v === undefined ? 'n/a' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v)

/** The per-group fairness metrics a report shows, in order. */
export const FAIRNESS_COLUMNS = [
  'n',
  'selection_rate',
  'tpr',
  'fpr',
  'precision',
  'disparate_impact',
  'equalised_odds_difference',
] as const

/** The report for a person: coverage, the headline metrics, fairness per attribute and group. */
export function renderEvaluation(e: Evaluation): string {
  const out: string[] = []
  out.push(
    `model ${e.model_id} (${e.model_versions.join(', ')}), ${e.task}${e.positive_class !== undefined ? `, positive class ${e.positive_class}` : ''}`,
  )
  out.push(
    `predictions ${e.n_predictions}, labelled ${e.n_labelled}, label coverage ${fmt(e.label_coverage)}`,
  )
  out.push('', 'performance')
  for (const [k, v] of Object.entries(e.performance))
    if (typeof v === 'number' || v === null) out.push(`  ${k.padEnd(20)} ${fmt(v)}`)
  if ('confusion_matrix' in e.performance) {
    const { labels, matrix } = e.performance.confusion_matrix
    const width = Math.max(8, ...labels.map((l) => l.length + 2))
    out.push('', `  confusion matrix (rows: true class, columns: predicted)`)
    out.push(`  ${''.padEnd(width)}${labels.map((l) => l.padStart(width)).join('')}`)
    for (const [i, l] of labels.entries())
      out.push(`  ${l.padEnd(width)}${matrix[i]!.map((c) => String(c).padStart(width)).join('')}`)
  }
  for (const [attribute, f] of Object.entries(e.fairness)) {
    out.push('', `fairness: ${attribute} (reference group ${f.reference_group})`)
    const cols = FAIRNESS_COLUMNS
    // Each column as wide as its name or widest value, and a space between columns.
    const rows = Object.entries(f.groups).map(([g, m]) => [g, ...cols.map((c) => fmt(m[c]))])
    const widths = ['group', ...cols].map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    const line = (cells: string[]) =>
      `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]! + 1))).join('')}`
    out.push(line(['group', ...cols]))
    for (const r of rows) out.push(line(r))
    out.push(
      `  between groups: demographic parity difference ${fmt(f.summary.demographic_parity_difference)}, ratio ${fmt(f.summary.demographic_parity_ratio)}, equalized odds difference ${fmt(f.summary.equalized_odds_difference)}`,
    )
  }
  for (const n of e.notes) out.push('', `note: ${n}`)
  return out.join('\n')
}
