import { type AlertSeries, alertSpec, toPng, toSvg } from '@vigil/charts'
import { type ClickHouse, queryWindows, type WindowFamilyName } from '@vigil/clickhouse'
import type { AlertView, Notification } from './steps/plan.js'

// The picture in a firing alert: the alert's metric over the windows before it, for each subject
// that fired together, with the threshold and the firing window. Read from the window tables, so
// it shows what an analyst would find there.

/** Windows drawn before the firing one. */
const WINDOWS = 24
/** Subjects drawn at most (a notification groups the features that broke together). */
const SUBJECTS = 5

/** The thresholds a condition's text names: `> 0.2` → [0.2], `outside [0.1, 0.9]` → [0.1, 0.9]. */
export function thresholdsOf(condition: string): number[] {
  return [...condition.matchAll(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi)].map((m) => Number(m[0]))
}

/** Where a metric's windows are, and how a row of them reads as this alert's value. */
function selection(a: AlertView): {
  family: WindowFamilyName
  metric?: string
  subjects: Record<string, string | undefined>
  value: (row: Record<string, unknown>) => number | null
} {
  const [family, name] = a.metric.split('.') as [string, string]
  const num = (row: Record<string, unknown>, k = 'value') =>
    typeof row[k] === 'number' ? (row[k] as number) : null
  switch (family) {
    case 'drift':
      if (name === 'drift_share')
        return {
          family: 'drift',
          metric: 'drift_share',
          subjects: { feature: '__model__' },
          value: (r) => num(r),
        }
      if (name === 'drifted')
        // Every metric row of a feature carries its decision; one per window is read.
        return {
          family: 'drift',
          metric: 'psi',
          subjects: { feature: a.subject },
          value: (r) => (r.drifted ? 1 : 0),
        }
      return { family: 'drift', metric: name, subjects: { feature: a.subject }, value: (r) => num(r) }
    case 'quality':
      return {
        family: 'quality',
        metric: name,
        subjects: { feature: a.subject || '__model__' },
        value: (r) => num(r),
      }
    case 'performance':
      return name === 'label_coverage'
        ? {
            family: 'performance',
            metric: 'accuracy',
            subjects: { class: '' },
            value: (r) => num(r, 'label_coverage'),
          }
        : { family: 'performance', metric: name, subjects: { class: '' }, value: (r) => num(r) }
    default: {
      const [attribute, group] = a.subject.split('=')
      return { family: 'fairness', metric: name, subjects: { attribute, group }, value: (r) => num(r) }
    }
  }
}

/** The series of one alert's subject up to its window. */
async function seriesOf(ch: ClickHouse, a: AlertView, windowMs: number): Promise<AlertSeries> {
  const s = selection(a)
  const page = await queryWindows(ch, s.family, {
    model: a.modelId,
    version: a.modelVersion,
    ...(s.metric ? { metric: s.metric } : {}),
    from: a.windowStart - WINDOWS * windowMs,
    to: a.windowStart + 1,
    subjects: s.subjects,
    limit: 10 * WINDOWS,
  })
  const points = new Map<number, number | null>()
  for (const row of page.data)
    points.set(Date.parse(row.window_start), s.value(row as Record<string, unknown>))
  return {
    subject: a.subject,
    points: [...points.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([windowStart, value]) => ({ windowStart, value })),
  }
}

/** A firing notification's chart as a PNG, or undefined when there is nothing to draw. */
export function alertChart(ch: ClickHouse) {
  return async (n: Notification): Promise<Buffer | undefined> => {
    const alerts = n.alerts.slice(0, SUBJECTS)
    const first = alerts[0]
    if (!first) return undefined
    const windowMs = Math.max(1, n.windowEnd - n.windowStart)
    const series = await Promise.all(alerts.map((a) => seriesOf(ch, a, windowMs)))
    if (series.every((s) => s.points.length === 0)) return undefined
    const svg = await toSvg(
      alertSpec({
        title: `${n.modelId} ${n.modelVersion}: ${first.rule} (${first.metric} ${first.condition})`,
        metric: first.metric,
        series,
        thresholds: thresholdsOf(first.condition),
        firing: first.windowStart,
      }),
    )
    return toPng(svg, 1280)
  }
}
