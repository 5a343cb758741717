import type { ClickHouse } from '../client.js'
import { queryWindows, type WindowFamilyName } from './windows.js'

// An alert's metric over the windows before it, read from the window tables: what an alert's
// chart draws (in Slack, email, the console), and what an analyst would find there.

/** One subject's values by window, oldest first. */
export interface MetricSeries {
  /** The alert's subject (a feature, `attribute=group`), '' for a model-level metric. */
  subject: string
  points: { windowStart: number; value: number | null }[]
}

export interface SeriesRequest {
  /** A rule's metric: `drift.psi`, `quality.missing_rate`, `performance.accuracy`, `fairness.disparate_impact`, … */
  metric: string
  subject: string
  modelId: string
  modelVersion: string
  /** The last window drawn (epoch ms). */
  windowStart: number
  windowMs: number
  /** Windows drawn up to and with the last. */
  windows: number
}

/** Where a metric's windows are, and how a row of them reads as this alert's value. */
function selection(
  metric: string,
  subject: string,
): {
  family: WindowFamilyName
  metric?: string
  subjects: Record<string, string | undefined>
  value: (row: Record<string, unknown>) => number | null
} {
  const [family, name] = metric.split('.') as [string, string]
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
          subjects: { feature: subject },
          value: (r) => (r.drifted ? 1 : 0),
        }
      return { family: 'drift', metric: name, subjects: { feature: subject }, value: (r) => num(r) }
    case 'quality':
      return {
        family: 'quality',
        metric: name,
        subjects: { feature: subject || '__model__' },
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
      const [attribute, group] = subject.split('=')
      return { family: 'fairness', metric: name, subjects: { attribute, group }, value: (r) => num(r) }
    }
  }
}

/** The metric of one subject over the windows up to `windowStart`. */
export async function queryMetricSeries(ch: ClickHouse, r: SeriesRequest): Promise<MetricSeries> {
  const s = selection(r.metric, r.subject)
  const page = await queryWindows(ch, s.family, {
    model: r.modelId,
    version: r.modelVersion,
    ...(s.metric ? { metric: s.metric } : {}),
    from: r.windowStart - (r.windows - 1) * r.windowMs,
    to: r.windowStart + 1,
    subjects: s.subjects,
    limit: 10 * r.windows,
  })
  const points = new Map<number, number | null>()
  for (const row of page.data)
    points.set(Date.parse(row.window_start), s.value(row as Record<string, unknown>))
  return {
    subject: r.subject,
    points: [...points.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([windowStart, value]) => ({ windowStart, value })),
  }
}
