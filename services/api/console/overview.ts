import { type Alert, type FleetModel, getJson } from './api.js'
import { count, h, num, pct, replace, section, sparkline, timeLabel, windowLabel } from './dom.js'

// The fleet at a glance: every model with its traffic, drift share, accuracy and label coverage
// over its latest windows, and what is firing now. Sortable by any column, filterable by name.

interface Row {
  model: FleetModel
  predictions: number | null
  driftShare: number | null
  performance: number | null
  metric: string | null
  coverage: number | null
}

type Key = 'model' | 'predictions' | 'driftShare' | 'performance' | 'coverage' | 'firing'

const COLUMNS: { key: Key; title: string }[] = [
  { key: 'model', title: 'Model' },
  { key: 'predictions', title: 'Predictions / window' },
  { key: 'driftShare', title: 'Drift share' },
  { key: 'performance', title: 'Accuracy' },
  { key: 'coverage', title: 'Label coverage' },
  { key: 'firing', title: 'Firing' },
]

function latest<T>(xs: readonly T[], pick: (x: T) => number | null): number | null {
  for (let i = xs.length - 1; i >= 0; i--) {
    const v = pick(xs[i]!)
    if (v !== null) return v
  }
  return null
}

function rowOf(m: FleetModel): Row {
  const w = m.windows
  return {
    model: m,
    predictions: w.at(-1)?.predictions ?? null,
    driftShare: latest(w, (x) => x.drift_share),
    performance: latest(w, (x) => x.performance),
    metric: w.findLast((x) => x.performance_metric !== null)?.performance_metric ?? null,
    coverage: latest(w, (x) => x.label_coverage),
  }
}

function sortValue(r: Row, key: Key): number | string {
  if (key === 'model') return r.model.model_id
  if (key === 'firing') return r.model.firing_alerts
  return r[key] ?? Number.NEGATIVE_INFINITY
}

export async function renderOverview(app: HTMLElement): Promise<void> {
  const [fleet, firing] = await Promise.all([
    getJson<{ data: FleetModel[] }>('/v1/fleet', { windows: 24 }),
    getJson<{ data: Alert[] }>('/v1/alerts', { status: 'firing' }),
  ])
  document.title = 'Fleet · vigil'
  const rows = fleet.data.map(rowOf)
  const params = new URLSearchParams(location.search)
  let sortKey: Key = (params.get('sort') as Key | null) ?? 'firing'
  let descending = params.get('order') !== 'asc'
  let filter = params.get('q') ?? ''
  let firingOnly = params.get('firing') === '1'

  const tbody = h('tbody')
  const headers = COLUMNS.map((c) =>
    h(
      'th',
      { scope: 'col', 'data-key': c.key },
      h('button', { type: 'button', onclick: () => sortBy(c.key) }, c.title),
    ),
  )
  const shown = h('p', { class: 'muted', 'aria-live': 'polite' })

  function sortBy(key: Key): void {
    descending = sortKey === key ? !descending : key !== 'model'
    sortKey = key
    update()
  }

  function cells(r: Row): HTMLTableRowElement {
    const m = r.model
    const w = m.windows
    return h(
      'tr',
      { 'data-model': m.model_id, class: m.firing_alerts > 0 ? 'firing' : '' },
      h('th', { scope: 'row' }, h('a', { href: `/ui/models/${encodeURIComponent(m.model_id)}` }, m.model_id)),
      h(
        'td',
        {},
        sparkline(
          w.map((x) => x.predictions),
          `predictions per window of ${m.model_id}`,
        ),
        h('span', { class: 'value' }, r.predictions === null ? '—' : count(r.predictions)),
      ),
      h(
        'td',
        {},
        sparkline(
          w.map((x) => x.drift_share),
          `drift share per window of ${m.model_id}`,
          [0, 1],
        ),
        h('span', { class: r.driftShare ? 'value bad' : 'value' }, pct(r.driftShare)),
      ),
      h(
        'td',
        {},
        sparkline(
          w.map((x) => x.performance),
          `${r.metric ?? 'accuracy'} per window of ${m.model_id}`,
        ),
        h(
          'span',
          { class: 'value' },
          r.metric && r.metric !== 'accuracy' ? `${r.metric} ${num(r.performance)}` : num(r.performance),
        ),
      ),
      h('td', {}, h('span', { class: 'value' }, pct(r.coverage))),
      h('td', {}, h('span', { class: m.firing_alerts ? 'value bad' : 'value' }, m.firing_alerts)),
    )
  }

  function update(): void {
    const q = filter.trim().toLowerCase()
    const visible = rows
      .filter((r) => r.model.model_id.toLowerCase().includes(q) && (!firingOnly || r.model.firing_alerts > 0))
      .sort((a, b) => {
        const [x, y] = [sortValue(a, sortKey), sortValue(b, sortKey)]
        const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number)
        return (descending ? -order : order) || a.model.model_id.localeCompare(b.model.model_id)
      })
    replace(tbody, ...visible.map(cells))
    for (const th of headers) {
      const key = th.dataset.key
      th.setAttribute('aria-sort', key === sortKey ? (descending ? 'descending' : 'ascending') : 'none')
    }
    shown.textContent = `${visible.length} of ${rows.length} models`
    const next = new URLSearchParams({ sort: sortKey, order: descending ? 'desc' : 'asc' })
    if (filter) next.set('q', filter)
    if (firingOnly) next.set('firing', '1')
    history.replaceState(null, '', `/ui?${next}`)
  }

  const controls = h(
    'div',
    { class: 'controls' },
    h(
      'label',
      {},
      'Filter ',
      h('input', {
        type: 'search',
        name: 'q',
        value: filter,
        placeholder: 'model id',
        oninput: (e) => {
          filter = (e.target as HTMLInputElement).value
          update()
        },
      }),
    ),
    h(
      'label',
      {},
      h('input', {
        type: 'checkbox',
        name: 'firing',
        checked: firingOnly,
        onchange: (e) => {
          firingOnly = (e.target as HTMLInputElement).checked
          update()
        },
      }),
      ' firing only',
    ),
    shown,
  )
  const alerts = firing.data.length
    ? h(
        'ul',
        { class: 'alerts' },
        ...firing.data.map((a) =>
          h(
            'li',
            { class: `sev-${a.severity}` },
            h('span', { class: 'badge' }, a.severity),
            ' ',
            a.episode
              ? h(
                  'a',
                  { href: `/ui/alerts/${a.episode}` },
                  `${a.rule} · ${a.model_id}${a.subject ? ` · ${a.subject}` : ''}`,
                )
              : `${a.rule} · ${a.model_id}`,
            h(
              'span',
              { class: 'muted' },
              ` since ${a.since ? windowLabel(a.since) : '—'}, value ${num(a.value)}`,
            ),
          ),
        ),
      )
    : h('p', { class: 'muted' }, 'Nothing is firing.')
  const lastWindow =
    rows
      .flatMap((r) => r.model.windows.map((w) => w.window_start))
      .sort()
      .at(-1) ?? null
  replace(
    app,
    h('h1', {}, 'Fleet'),
    h(
      'p',
      { class: 'muted' },
      `${rows.length} models · latest window ${timeLabel(lastWindow)} · last 24 windows per model`,
    ),
    section('Firing now', alerts),
    section(
      'Models',
      controls,
      h('table', { class: 'fleet' }, h('thead', {}, h('tr', {}, ...headers)), tbody),
    ),
  )
  update()
}
