import { episodeSpec } from '@vigil/charts/specs'
import { type Episode, getJson } from './api.js'
import { draw } from './charts.js'
import { h, num, replace, section, table, timeLabel, windowLabel } from './dom.js'
import { renderDistribution } from './model.js'

// The page a notification links to: the alert's metric over the windows before it with the
// threshold and the firing window (the picture the notification carried), its transitions, and,
// for a feature's drift, the feature's distribution in the window that fired.

export async function renderAlert(app: HTMLElement, episode: string): Promise<void> {
  const e = await getJson<Episode>(`/v1/alerts/episodes/${encodeURIComponent(episode)}`)
  document.title = `${e.rule} · ${e.model_id} · vigil`
  const chart = h('div', { class: 'chart', 'data-chart': 'alert' })
  const distribution = h('div', { class: 'distribution' })
  const subject = e.subjects[0]
  const feature = e.metric?.startsWith('drift.') || e.metric?.startsWith('quality.') ? subject : undefined
  const modelLink = `/ui/models/${encodeURIComponent(e.model_id)}?${new URLSearchParams({
    version: e.model_version,
    window: e.fired_window,
    ...(feature ? { feature } : {}),
  })}`
  replace(
    app,
    h(
      'header',
      { class: 'page' },
      h(
        'p',
        {},
        h('span', { class: `badge sev-${e.severity}` }, e.severity),
        ' ',
        h('span', { class: `t-${e.status}` }, e.status),
      ),
      h('h1', {}, `${e.rule}: ${e.model_id} ${e.model_version}`),
      h(
        'p',
        { class: 'fired', 'data-window': e.fired_window },
        `Fired in the window of ${windowLabel(e.fired_window)} (${timeLabel(e.fired_window)})`,
        e.metric ? ` · ${e.metric} ${e.condition ?? ''}` : ' · the rule is no longer in vigil.yaml',
        e.subjects.length ? ` · ${e.subjects.join(', ')}` : '',
      ),
      h(
        'p',
        {},
        h('a', { href: modelLink }, `Open ${e.model_id} at this window`),
        e.runbook ? ' · ' : null,
        e.runbook ? h('a', { href: e.runbook, rel: 'noopener' }, 'Runbook') : null,
      ),
    ),
    section('The metric before it fired', chart),
    feature ? section(`${feature} in the window that fired`, distribution) : null,
    section(
      'Transitions',
      table(
        ['window', 'subject', 'transition', 'value'],
        e.transitions.map((t) => [
          windowLabel(t.window_start),
          t.subject,
          h('span', { class: `t-${t.transition}` }, t.transition),
          num(t.value),
        ]),
      ),
    ),
  )
  if (e.chart) await draw(chart, episodeSpec({ ...e, chart: e.chart }))
  else replace(chart, h('p', { class: 'muted' }, 'No chart: the rule is no longer configured.'))
  if (feature) await renderDistribution(distribution, e.model_id, e.model_version, e.fired_window, feature)
}
