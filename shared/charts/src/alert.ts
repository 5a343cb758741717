import type { TopLevelSpec } from 'vega-lite'

export interface AlertSeries {
  /** The alert's subject (a feature, `attribute=group`), '' for a model-level metric. */
  subject: string
  points: { windowStart: number; value: number | null }[]
}

/** An alert episode as the API's `GET /v1/alerts/episodes/{id}` answers it (the parts a chart needs). */
export interface EpisodeChartData {
  model_id: string
  model_version: string
  rule: string
  condition: string | null
  fired_window: string
  chart: {
    metric: string
    thresholds: number[]
    series: { subject: string; points: { window_start: string; value: number | null }[] }[]
  }
}

/** An alert chart's title: `fraud v1: feature-drift (drift.drifted >= 1)`. */
export function alertTitle(
  model: string,
  version: string,
  rule: string,
  metric: string,
  condition: string,
): string {
  return `${model} ${version}: ${rule} (${metric} ${condition})`
}

/** The chart of an episode: the same picture its notification carried, wherever it is drawn. */
export function episodeSpec(e: EpisodeChartData): TopLevelSpec {
  return alertSpec({
    title: alertTitle(e.model_id, e.model_version, e.rule, e.chart.metric, e.condition ?? ''),
    metric: e.chart.metric,
    thresholds: e.chart.thresholds,
    firing: Date.parse(e.fired_window),
    series: e.chart.series.map((s) => ({
      subject: s.subject,
      points: s.points.map((p) => ({ windowStart: Date.parse(p.window_start), value: p.value })),
    })),
  })
}

/** The thresholds a condition's text names: `> 0.2` → [0.2], `outside [0.1, 0.9]` → [0.1, 0.9]. */
export function thresholdsOf(condition: string): number[] {
  return [...condition.matchAll(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi)].map((m) => Number(m[0]))
}

export interface AlertChart {
  title: string
  /** The metric's name, the y axis. */
  metric: string
  series: AlertSeries[]
  /** Where the condition breaks (one line, or two for `outside`). */
  thresholds: number[]
  /** The window that fired. */
  firing: number
}

/**
 * The metric over the last windows, one line per subject, the threshold dashed, the firing window
 * marked: what moved, since when, by how much and against what, in one picture.
 */
export function alertSpec(c: AlertChart): TopLevelSpec {
  const values = c.series.flatMap((s) =>
    s.points
      .filter((p) => p.value !== null)
      .map((p) => ({
        window: new Date(p.windowStart).toISOString(),
        value: p.value,
        subject: s.subject || c.metric,
      })),
  )
  const x = {
    field: 'window',
    type: 'temporal' as const,
    title: 'window (UTC)',
    // UTC wherever it is drawn: on the server and in a browser of any time zone alike.
    scale: { type: 'utc' as const },
    axis: { format: '%d %b %H:%M', labelAngle: -30 },
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: c.title, anchor: 'start', fontSize: 14 },
    width: 640,
    height: 240,
    background: 'white',
    layer: [
      {
        data: { values: [{ window: new Date(c.firing).toISOString() }] },
        mark: { type: 'rule', color: '#d9480f', strokeWidth: 8, opacity: 0.25 },
        encoding: { x },
      },
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: c.metric },
          color: { field: 'subject', type: 'nominal', legend: { orient: 'top', title: null } },
        },
      },
      ...c.thresholds.map((t) => ({
        data: { values: [{ threshold: t }] },
        mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#52606d' },
        encoding: { y: { field: 'threshold', type: 'quantitative' as const } },
      })),
    ],
  }
}
