import {
  type AlertEvent,
  alertHistorySpec,
  distributionSpec,
  fairnessSpec,
  type HeatmapCell,
  heatmapSpec,
  performanceSpec,
} from '@vigil/charts/specs'
import {
  type AlertTransition,
  type DriftRow,
  type FairnessRow,
  type FeatureDistribution,
  type FleetModel,
  getJson,
  type ModelInfo,
  type Page,
  type PerformanceRow,
  type QualityRow,
  type Rule,
} from './api.js'
import { draw } from './charts.js'
import { count, h, num, pct, replace, section, table, timeLabel, windowLabel } from './dom.js'

// A model's page: per-feature drift over time (windows × features, the metric selectable), one
// feature's reference vs current distribution in a window, that window's data quality, accuracy
// with its label coverage, fairness by group, and the alert history, on one time axis.

/** Windows the page draws. */
const WINDOWS = 48
const SPECIAL = new Set(['__model__'])

export interface ModelFocus {
  window?: string
  feature?: string
}

interface PageState {
  id: string
  version: string
  metric: string
  window: string
  feature: string | undefined
}

function setUrl(s: PageState): void {
  const q = new URLSearchParams({ version: s.version, metric: s.metric, window: s.window })
  if (s.feature) q.set('feature', s.feature)
  history.replaceState(null, '', `/ui/models/${encodeURIComponent(s.id)}?${q}`)
}

/** The distribution of one feature in one window, with what it was compared with. */
export async function renderDistribution(
  el: HTMLElement,
  id: string,
  version: string,
  window: string,
  feature: string,
) {
  replace(el, h('p', { class: 'muted' }, 'Loading…'))
  try {
    const d = await getJson<FeatureDistribution>(`/v1/models/${encodeURIComponent(id)}/distribution`, {
      feature,
      window,
      version,
    })
    const chart = h('div', { class: 'chart', 'data-chart': 'distribution' })
    replace(
      el,
      h(
        'p',
        { class: 'caption', 'data-window': d.window_start, 'data-feature': d.feature },
        h('strong', {}, feature),
        ` in the window of ${windowLabel(d.window_start)}: ${count(d.n_current)} values${d.current_from === 'sample' ? ' (its sample)' : ''} against ${count(d.n_reference)} of ${d.reference}`,
      ),
      chart,
    )
    await draw(
      chart,
      distributionSpec(d.distribution, `${feature}: reference vs ${windowLabel(d.window_start)}`),
    )
  } catch (err) {
    replace(el, h('p', { class: 'muted' }, (err as Error).message))
  }
}

function qualityTable(rows: QualityRow[]): HTMLElement {
  const metrics = [...new Set(rows.filter((r) => r.feature !== '__model__').map((r) => r.metric))].sort()
  const features = [...new Set(rows.map((r) => r.feature))].filter((f) => f !== '__model__').sort()
  if (features.length === 0) return h('p', { class: 'muted' }, 'No data quality for this window.')
  const value = new Map(rows.map((r) => [`${r.feature}\u0000${r.metric}`, r.value]))
  const fmt = (m: string, v: number | null | undefined) =>
    /rate|share/.test(m) ? pct(v) : v === undefined ? '' : num(v ?? null)
  return h(
    'table',
    { class: 'quality' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'feature'), ...metrics.map((m) => h('th', { scope: 'col' }, m))),
    ),
    h(
      'tbody',
      {},
      ...features.map((f) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, f),
          ...metrics.map((m) => {
            const v = value.get(`${f}\u0000${m}`)
            return h('td', { class: /rate|share/.test(m) && (v ?? 0) > 0 ? 'bad' : '' }, fmt(m, v))
          }),
        ),
      ),
    ),
  )
}

function rulesTable(rules: Rule[]): HTMLElement {
  if (rules.length === 0) return h('p', { class: 'muted' }, 'No rules for this model.')
  return table(
    ['rule', 'metric', 'subject', 'when', 'severity'],
    rules.map((r) => [r.name, r.metric, r.feature ?? '', r.when, r.severity]),
  )
}

function historyTable(events: AlertTransition[]): HTMLElement {
  if (events.length === 0) return h('p', { class: 'muted' }, 'No alerts in these windows.')
  return table(
    ['window', 'rule', 'subject', 'transition', 'value'],
    events
      .slice(0, 50)
      .map((e) => [
        windowLabel(e.window_start),
        e.episode ? h('a', { href: `/ui/alerts/${e.episode}` }, e.rule) : e.rule,
        e.subject,
        h('span', { class: `t-${e.transition}` }, e.transition),
        num(e.value),
      ]),
  )
}

export async function renderModel(app: HTMLElement, id: string, focus: ModelFocus = {}): Promise<void> {
  const q = new URLSearchParams(location.search)
  const [models, fleet, rules] = await Promise.all([
    getJson<{ data: ModelInfo[] }>('/v1/models', { model: id }),
    getJson<{ data: FleetModel[] }>('/v1/fleet', { model: id, windows: WINDOWS }),
    getJson<{ data: Rule[] }>('/v1/rules'),
  ])
  const info = models.data[0]
  const windows = fleet.data[0]?.windows ?? []
  document.title = `${id} · vigil`
  const header = h(
    'header',
    { class: 'page' },
    h('h1', {}, id),
    h(
      'p',
      { class: 'muted' },
      info
        ? `${info.versions.join(', ') || 'no versions yet'} · windows of ${info.settings.window_ms / 60_000} min · reference: ${info.settings.reference} · ${count(info.predictions)} predictions, ${count(info.labels)} labels`
        : 'not configured and no traffic',
    ),
  )
  const first = windows[0]
  const last = windows.at(-1)
  if (!first || !last || !info) {
    replace(app, header, h('p', {}, 'No closed windows yet.'))
    return
  }
  const from = Date.parse(first.window_start)
  const to = Date.parse(last.window_start) + 1
  const domain: [string, string] = [
    first.window_start,
    new Date(to - 1 + info.settings.window_ms).toISOString(),
  ]
  const span = { model: id, from: new Date(from).toISOString(), to: new Date(to).toISOString() }

  // Which drift metrics the latest windows carry, and of which version.
  const recent = await getJson<Page<DriftRow>>('/v1/windows/drift', {
    model: id,
    from: windows.at(-Math.min(3, windows.length))!.window_start,
    to: span.to,
    limit: 10_000,
  })
  const versions = [...new Set(recent.data.map((r) => r.model_version))].sort()
  const version = q.get('version') ?? recent.data.at(-1)?.model_version ?? info.versions.at(-1) ?? ''
  const metrics = [...new Set(recent.data.filter((r) => !SPECIAL.has(r.feature)).map((r) => r.metric))].sort()
  const metric = q.get('metric') ?? (metrics.includes('psi') ? 'psi' : (metrics[0] ?? 'psi'))
  const state: PageState = {
    id,
    version,
    metric,
    window: focus.window ?? q.get('window') ?? last.window_start,
    feature: focus.feature ?? q.get('feature') ?? undefined,
  }

  const heatmap = h('div', { class: 'chart', 'data-chart': 'heatmap' })
  const distribution = h('div', { class: 'distribution' })
  const quality = h('div')
  const qualityTitle = h('p', { class: 'caption' })
  const metricSelect = h(
    'select',
    { name: 'metric', 'aria-label': 'drift metric' },
    ...metrics.map((m) => h('option', { value: m, selected: m === metric }, m)),
  )
  const versionSelect = h(
    'select',
    { name: 'version', 'aria-label': 'model version' },
    ...versions.map((v) => h('option', { value: v, selected: v === version }, v)),
  )
  const perfChart = h('div', { class: 'chart', 'data-chart': 'performance' })
  const fairChart = h('div', { class: 'chart', 'data-chart': 'fairness' })
  const alertChart = h('div', { class: 'chart', 'data-chart': 'alerts' })
  const alertList = h('div')
  const mine = rules.data.filter((r) => r.model === id || r.model === '*')

  replace(
    app,
    header,
    section(
      'Drift per feature',
      h(
        'div',
        { class: 'controls' },
        h('label', {}, 'Metric ', metricSelect),
        versions.length > 1 ? h('label', {}, 'Version ', versionSelect) : null,
      ),
      h(
        'p',
        { class: 'muted' },
        'Each cell a window and feature; a dot marks a drifted feature. Click a cell for its distribution.',
      ),
      heatmap,
      distribution,
    ),
    section('Data quality', qualityTitle, quality),
    section('Accuracy and label coverage', perfChart),
    section(
      'Fairness',
      h(
        'p',
        { class: 'muted' },
        'Ratio to the reference group; the band is the four-fifths rule (0.8 to 1.25).',
      ),
      fairChart,
    ),
    section('Alerts', alertChart, alertList, h('h3', {}, 'Rules'), rulesTable(mine)),
  )

  async function showWindow(): Promise<void> {
    setUrl(state)
    qualityTitle.textContent = `The window of ${windowLabel(state.window)}`
    const rows = await getJson<Page<QualityRow>>('/v1/windows/quality', {
      model: id,
      version: state.version,
      from: state.window,
      to: new Date(Date.parse(state.window) + 1).toISOString(),
      limit: 10_000,
    })
    replace(quality, qualityTable(rows.data))
    if (state.feature) await renderDistribution(distribution, id, state.version, state.window, state.feature)
    else
      replace(
        distribution,
        h(
          'p',
          { class: 'muted' },
          'No feature drifted in these windows; click a cell to see its distribution.',
        ),
      )
  }

  async function showHeatmap(): Promise<void> {
    const rows = await getJson<Page<DriftRow>>('/v1/windows/drift', {
      ...span,
      version: state.version,
      metric: state.metric,
      limit: 10_000,
    })
    const cells: HeatmapCell[] = rows.data
      .filter((r) => !SPECIAL.has(r.feature))
      .map((r) => ({ window: r.window_start, feature: r.feature, value: r.value, drifted: r.drifted }))
    if (!state.feature) {
      // The latest drifted feature, else none: the page opens on what moved.
      const drifted = cells
        .filter((c) => c.drifted)
        .sort((a, b) => b.window.localeCompare(a.window) || (b.value ?? 0) - (a.value ?? 0))
      state.feature = drifted[0]?.feature
      if (drifted[0] && !focus.window && !q.get('window')) state.window = drifted[0].window
    }
    if (cells.length === 0) {
      replace(
        heatmap,
        h('p', { class: 'muted' }, 'No drift in these windows yet: the first window may be the reference.'),
      )
      return
    }
    const view = await draw(
      heatmap,
      heatmapSpec(
        cells,
        state.metric,
        state.feature ? { window: state.window, feature: state.feature } : undefined,
      ),
    )
    view.addEventListener('click', (_e, item) => {
      const d = (item as { datum?: Partial<HeatmapCell> } | null | undefined)?.datum
      if (!d?.window || !d.feature) return
      state.window = d.window
      state.feature = d.feature
      void showHeatmap().then(showWindow)
    })
  }

  metricSelect.addEventListener('change', () => {
    state.metric = metricSelect.value
    void showHeatmap().then(() => setUrl(state))
  })
  versionSelect.addEventListener('change', () => {
    state.version = versionSelect.value
    void showHeatmap().then(showWindow)
  })

  const perfMetric = windows.findLast((w) => w.performance_metric)?.performance_metric ?? 'accuracy'
  const [perf, fair, history] = await Promise.all([
    getJson<Page<PerformanceRow>>('/v1/windows/performance', {
      ...span,
      version,
      class: '',
      metric: perfMetric,
      limit: 10_000,
    }),
    getJson<Page<FairnessRow>>('/v1/windows/fairness', {
      ...span,
      version,
      metric: 'disparate_impact',
      limit: 10_000,
    }),
    getJson<Page<AlertTransition>>('/v1/alerts/history', { ...span, limit: 1000 }),
    showHeatmap(),
  ])
  await showWindow()

  const thresholds = mine
    .filter((r) => r.metric === `performance.${perfMetric}`)
    .flatMap((r) => [...r.when.matchAll(/-?\d+(\.\d+)?/g)].map((m) => Number(m[0])))
  if (perf.data.length)
    await draw(
      perfChart,
      performanceSpec(
        perf.data.map((r) => ({
          window: r.window_start,
          value: r.value,
          label_coverage: r.label_coverage,
          version: r.version,
        })),
        perfMetric,
        domain,
        thresholds,
      ),
    )
  else replace(perfChart, h('p', { class: 'muted' }, 'No labels joined yet.'))

  const groups = fair.data.filter((r) => r.group !== r.reference_group)
  if (groups.length)
    await draw(
      fairChart,
      fairnessSpec(
        groups.map((r) => ({ window: r.window_start, subject: `${r.attribute}=${r.group}`, value: r.value })),
        'disparate impact',
        domain,
      ),
    )
  else
    replace(fairChart, h('p', { class: 'muted' }, 'No sensitive attributes configured, or no windows yet.'))

  const events: AlertEvent[] = history.data.map((e) => ({
    window: e.window_start,
    rule: e.rule,
    subject: e.subject,
    transition: e.transition,
    severity: e.severity,
    value: e.value,
  }))
  if (events.length) await draw(alertChart, alertHistorySpec(events, domain))
  replace(alertList, historyTable(history.data))
  const summary = h(
    'p',
    { class: 'muted' },
    `${windows.length} windows from ${timeLabel(first.window_start)} to ${timeLabel(last.window_start)}`,
  )
  header.append(summary)
}
