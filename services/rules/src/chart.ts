import { alertSpec, alertTitle, thresholdsOf, toPng, toSvg } from '@vigil/charts'
import { type ClickHouse, queryMetricSeries } from '@vigil/clickhouse'
import type { Notification } from './steps/plan.js'

// The picture in a firing alert: the alert's metric over the windows before it, for each subject
// that fired together, with the threshold and the firing window.

/** Windows drawn up to the firing one. */
const WINDOWS = 25
/** Subjects drawn at most (a notification groups the features that broke together). */
const SUBJECTS = 5

type DrawChart = (n: Notification) => Promise<Buffer | undefined>

/** Charts kept, by what they draw: a notification's Slack and email copies draw the same one. */
const KEPT = 32

/** What a notification's chart shows: the same for each channel the alerts went to. */
function drawnKey(n: Notification): string {
  return JSON.stringify([
    n.modelId,
    n.modelVersion,
    n.windowStart,
    n.alerts.slice(0, SUBJECTS).map((a) => a.key),
  ])
}

/**
 * Draws each chart once for the channels that send it (the last {@link KEPT}); a failed drawing is
 * not kept, so the next channel tries again.
 */
export function drawOnce(draw: DrawChart, kept = KEPT): DrawChart {
  const charts = new Map<string, Promise<Buffer | undefined>>()
  return (n) => {
    const key = drawnKey(n)
    const known = charts.get(key)
    if (known !== undefined) return known
    const drawing = draw(n)
    charts.set(key, drawing)
    drawing.catch(() => charts.delete(key))
    for (const old of charts.keys()) {
      if (charts.size <= kept) break
      charts.delete(old)
    }
    return drawing
  }
}

/** A firing notification's chart as a PNG, or undefined when there is nothing to draw. */
export function alertChart(ch: ClickHouse): DrawChart {
  return drawOnce(async (n: Notification): Promise<Buffer | undefined> => {
    const alerts = n.alerts.slice(0, SUBJECTS)
    const first = alerts[0]
    if (!first) return undefined
    const windowMs = Math.max(1, n.windowEnd - n.windowStart)
    const series = await Promise.all(
      alerts.map((a) =>
        queryMetricSeries(ch, {
          metric: a.metric,
          subject: a.subject,
          modelId: a.modelId,
          modelVersion: a.modelVersion,
          windowStart: a.windowStart,
          windowMs,
          windows: WINDOWS,
        }),
      ),
    )
    if (series.every((s) => s.points.length === 0)) return undefined
    const svg = await toSvg(
      alertSpec({
        title: alertTitle(n.modelId, n.modelVersion, first.rule, first.metric, first.condition),
        metric: first.metric,
        series,
        thresholds: thresholdsOf(first.condition),
        firing: first.windowStart,
      }),
    )
    return toPng(svg, 1280)
  })
}
