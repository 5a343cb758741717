// A report as one HTML file that opens anywhere without a network: inline style, charts as
// inline SVG, no scripts. Everything from the data is escaped.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text (or a number) made safe inside HTML, attributes included. */
export const esc = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => ENTITIES[c]!)

/** A number as a report shows it: 4 significant digits, `–` when there is none. */
export const num = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : String(Number(v.toPrecision(digits)))

/** A table; `cells` are already HTML (escape text with `esc`). A row's class marks it (`drift`). */
export function table(head: readonly string[], rows: readonly { cells: string[]; mark?: string }[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('')
  const trs = rows
    .map(
      (r) =>
        `<tr${r.mark ? ` class="${esc(r.mark)}"` : ''}>${r.cells.map((c) => `<td>${c}</td>`).join('')}</tr>`,
    )
    .join('\n')
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; } h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
.meta { color: #52606d; margin: 0 0 1rem; } .summary { font-size: 1.05rem; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e4e7eb; }
th { background: #f5f7fa; font-weight: 600; }
tr.drift td { background: #fff4e6; } .badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; font-weight: 600; }
.badge.drift { background: #d9480f; color: white; } .badge.ok { background: #e3f9e5; color: #207227; } .badge.none { background: #e4e7eb; color: #52606d; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid #e4e7eb; border-radius: .4rem; padding: .5rem; } figcaption { color: #52606d; font-size: .85rem; }
footer { color: #7b8794; margin-top: 2rem; font-size: .85rem; }
`

/** The whole document. `body` is HTML. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<footer>Made by vigil. Definitions of every metric: docs/metrics.md.</footer>
</body>
</html>
`
}
