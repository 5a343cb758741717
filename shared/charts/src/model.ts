import type { TopLevelSpec } from 'vega-lite'

// The model page's charts (the console draws them in the browser, from the API's JSON): drift per
// feature and window, accuracy with its label coverage, fairness with the four-fifths band, and
// the alert history, all on one time axis so a glance down the page lines them up.

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json'
const WIDTH = 720

/** What every chart of the page shares: its width, so the time axes line up. */
const panel = (height: number) => ({ $schema: SCHEMA, width: WIDTH, height, background: 'white' })

/** The windows' time axis, shared by every chart of a page: the same domain lines them up. */
function timeAxis(domain: [string, string]) {
  return {
    field: 'window',
    type: 'temporal' as const,
    title: null,
    scale: { type: 'utc' as const, domain, nice: false },
    axis: { format: '%d %b %H:%M', labelAngle: 0, labelOverlap: true as const },
  }
}

export interface HeatmapCell {
  /** Window start, ISO. */
  window: string
  feature: string
  value: number | null
  drifted: boolean
}

/**
 * Windows × features, coloured by the metric; a drifted cell is outlined and dotted. Cells are
 * ordinal in time (one band per window), so a missing window is a gap, not a stretched cell.
 */
export function heatmapSpec(
  cells: HeatmapCell[],
  metric: string,
  selected?: { window: string; feature: string },
) {
  const features = [...new Set(cells.map((c) => c.feature))].sort()
  const spec: TopLevelSpec = {
    ...panel(Math.max(60, 18 * features.length)),
    data: {
      values: cells.map((c) => ({
        ...c,
        isSelected: c.window === selected?.window && c.feature === selected?.feature,
      })),
    },
    encoding: {
      x: {
        field: 'window',
        type: 'ordinal',
        title: null,
        axis: {
          labelExpr: "utcFormat(toDate(datum.value), '%d %b %H:%M')",
          labelAngle: -40,
          labelOverlap: true,
        },
      },
      y: { field: 'feature', type: 'nominal', sort: features, title: null },
    },
    layer: [
      {
        mark: { type: 'rect', tooltip: { content: 'data' }, cursor: 'pointer' },
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative',
            title: metric,
            scale: { scheme: 'oranges' },
            legend: { orient: 'right' },
          },
          stroke: { condition: { test: 'datum.isSelected', value: '#1f2933' }, value: null },
          strokeWidth: { value: 2 },
        },
      },
      {
        transform: [{ filter: 'datum.drifted' }],
        mark: { type: 'point', shape: 'circle', filled: true, size: 22, color: '#1f2933' },
      },
    ],
  }
  return spec
}

export interface PerformancePoint {
  window: string
  value: number | null
  label_coverage: number | null
  /** The window's re-publication (labelled outcomes when it was computed). */
  version: number
}

/** The headline metric as a line, its rules' thresholds dashed, its label coverage as bars behind it (right axis). */
export function performanceSpec(
  points: PerformancePoint[],
  metric: string,
  domain: [string, string],
  thresholds: readonly number[] = [],
): TopLevelSpec {
  const x = timeAxis(domain)
  return {
    ...panel(140),
    data: { values: points },
    layer: [
      {
        mark: { type: 'bar', color: '#d9e2ec', tooltip: true },
        encoding: {
          x,
          y: {
            field: 'label_coverage',
            type: 'quantitative',
            title: 'label coverage',
            scale: { domain: [0, 1] },
            axis: { format: '.0%', orient: 'right' },
          },
        },
      },
      {
        layer: [
          {
            mark: { type: 'line', point: true, color: '#1f6feb', tooltip: true },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
            },
          },
          ...thresholds.map((t) => ({
            data: { values: [{ threshold: t }] },
            mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#d9480f' },
            encoding: { y: { field: 'threshold', type: 'quantitative' as const } },
          })),
        ],
      },
    ],
    resolve: { scale: { y: 'independent' } },
  }
}

export interface FairnessPoint {
  window: string
  /** `attribute=group` */
  subject: string
  value: number | null
}

/** A ratio to the reference group per group over time, the four-fifths band (0.8 to 1.25) shaded. */
export function fairnessSpec(
  points: FairnessPoint[],
  metric: string,
  domain: [string, string],
): TopLevelSpec {
  const x = timeAxis(domain)
  return {
    ...panel(140),
    layer: [
      {
        data: { values: [{ low: 0.8, high: 1.25 }] },
        mark: { type: 'rect', color: '#e3f8e8', opacity: 0.8 },
        encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      },
      {
        data: { values: points },
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
          color: { field: 'subject', type: 'nominal', legend: { orient: 'top', title: null } },
        },
      },
    ],
  }
}

export interface AlertEvent {
  window: string
  rule: string
  subject: string
  transition: string
  severity: string
  value: number | null
}

/** Alert transitions as ticks, one row per rule, coloured by what happened. */
export function alertHistorySpec(events: AlertEvent[], domain: [string, string]): TopLevelSpec {
  return {
    ...panel(Math.max(40, 22 * new Set(events.map((e) => e.rule)).size)),
    data: { values: events },
    mark: { type: 'tick', thickness: 3, tooltip: { content: 'data' } },
    encoding: {
      x: timeAxis(domain),
      y: { field: 'rule', type: 'nominal', title: null },
      color: {
        field: 'transition',
        type: 'nominal',
        scale: {
          domain: ['pending', 'firing', 'repeat', 'resolved', 'cleared'],
          range: ['#f0b429', '#d9480f', '#d9480f', '#2f9e44', '#9aa5b1'],
        },
        legend: { orient: 'top', title: null },
      },
    },
  }
}
