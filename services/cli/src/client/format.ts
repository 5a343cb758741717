/** Rows as a person reads them (an aligned table), or for tools (JSON lines, CSV). */
export type OutputFormat = 'table' | 'json' | 'csv'

const text = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)

/** The columns of `rows`, in the order `columns` gives, then any others in first-seen order. */
function columnsOf(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string[] {
  const seen = new Set(columns ?? [])
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k)
  return [...seen]
}

/** CSV as RFC 4180 says: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(v: unknown): string {
  const s = text(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function formatRows(
  rows: readonly Record<string, unknown>[],
  format: OutputFormat,
  columns?: readonly string[],
): string {
  const cols = columnsOf(rows, columns)
  if (format === 'json') return rows.map((r) => JSON.stringify(r)).join('\n')
  if (format === 'csv')
    return [cols.map(csvField).join(','), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(','))].join(
      '\n',
    )
  if (cols.length === 0) return '(no rows)'
  // One line per row: line breaks and tabs inside a value are shown escaped.
  const cell = (v: unknown) => text(v).replace(/\n/g, '\\n').replace(/\t/g, '\\t')
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => [...cell(r[c])].length)))
  const line = (cells: string[]) =>
    cells
      .map((s, i) => s + ' '.repeat(Math.max(0, width[i]! - [...s].length)))
      .join('  ')
      .trimEnd()
  return [
    line(cols),
    line(width.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n')
}
