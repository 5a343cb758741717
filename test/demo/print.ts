// Output of `npm run demo`: plain lines, headings and aligned tables on stdout.
const started = Date.now()

export const say = (line = '') => process.stdout.write(`${line}\n`)
export const heading = (text: string) => say(`\n== ${text}`)
/** A line of the live feed, with the seconds since the demo started. */
export const live = (line: string) =>
  say(`  [+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`)
/** hh:mm of an epoch-ms time, UTC. */
export const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16)

export function table(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) {
    say('  (none)')
    return
  }
  const cols = Object.keys(rows[0]!)
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)))
  const line = (cells: string[]) => say(`  ${cells.map((c, i) => c.padEnd(width[i]!)).join('  ')}`.trimEnd())
  line(cols)
  line(width.map((w) => '-'.repeat(w)))
  for (const r of rows) line(cols.map((c) => String(r[c])))
}
