// Building the page: elements from plain data, numbers and times as the console shows them.

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>

/** An element with attributes (`on…` functions become listeners) and children; text is escaped by the DOM. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (v === true) el.setAttribute(k, '')
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v))
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c)
  return el
}

const SVG = 'http://www.w3.org/2000/svg'

/** A sparkline: the values as a line in a small box; gaps where a value is missing. */
export function sparkline(
  values: readonly (number | null)[],
  label: string,
  range?: [number, number],
): SVGSVGElement {
  const w = 84
  const ht = 22
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${w} ${ht}`)
  svg.setAttribute('class', 'spark')
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', label)
  const known = values.filter((v): v is number => v !== null)
  if (known.length === 0) return svg
  const [lo, hi] = range ?? [Math.min(...known), Math.max(...known)]
  const y = (v: number) => (hi === lo ? ht / 2 : ht - 2 - ((v - lo) / (hi - lo)) * (ht - 4))
  const x = (i: number) => (values.length === 1 ? w / 2 : (i / (values.length - 1)) * (w - 4) + 2)
  let d = ''
  let pen = false
  values.forEach((v, i) => {
    if (v === null) pen = false
    else {
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`
      pen = true
    }
  })
  const path = document.createElementNS(SVG, 'path')
  path.setAttribute('d', d)
  svg.append(path)
  return svg
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number) => String(n).padStart(2, '0')

/** `24 Nov 09:30` (UTC), as the charts' axes label windows. */
export function windowLabel(iso: string): string {
  const d = new Date(iso)
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/** `2026-11-24 09:30 UTC` */
export function timeLabel(iso: string | null): string {
  if (iso === null) return '—'
  const d = new Date(iso)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`
}

export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return '—'
  return Math.abs(v) >= 1e4 ? v.toExponential(2) : String(+v.toFixed(digits))
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(v < 0.1 && v > 0 ? 1 : 0)}%`
}

export function count(v: number): string {
  return v.toLocaleString('en-US')
}

/** A section with a heading, for the page's parts. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { 'aria-label': title }, h('h2', {}, title), ...children)
}

/** A table of plain cells under column headings. */
export function table(columns: readonly string[], rows: readonly (readonly Child[])[]): HTMLTableElement {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  )
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren(
    ...children
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  )
}
