import type { MetricsMessage } from '@vigil/events'
import { Gauge, type Registry } from '@vigil/observability'
import type { AlertState } from './steps/lifecycle.js'

// Model health on /metrics for Prometheus and Grafana shops: per model, the latest window's
// drift share, accuracy, label coverage and worst disparate impact, and the firing alerts. The
// rules service sees every window message and every alert, so it is where these are known.
// Cardinality is bounded by the fleet: a series per model (and per family for the window time),
// per feature only when `alerting.model_metrics.per_feature` says so.

/** The latest window of one family of a model, and what it said. */
interface Latest {
  windowStart: number
  windowEnd: number
  version: number
  values: Record<string, number | undefined>
  /** Drift only: each feature's decision. */
  drifted?: Record<string, boolean>
}

/** Per model and family, the latest window seen. */
export type HealthReadings = Map<string, Partial<Record<MetricsMessage['family'], Latest>>>

function valuesOf(m: MetricsMessage): Pick<Latest, 'values' | 'drifted'> {
  switch (m.family) {
    case 'drift': {
      const drifted = Object.fromEntries(
        Object.entries(m.features)
          .filter(([f]) => f !== '__model__')
          .map(([f, v]) => [f, v.drifted]),
      )
      return {
        values: {
          drift_share: m.drift_share,
          drifted_features: Object.values(drifted).filter(Boolean).length,
        },
        drifted,
      }
    }
    case 'performance':
      return {
        values: { accuracy: m.performance?.accuracy ?? undefined, label_coverage: m.label_coverage },
      }
    case 'fairness': {
      const impacts = Object.values(m.fairness ?? {}).flatMap((a) =>
        Object.values(a.groups).flatMap((g) =>
          typeof g.disparate_impact === 'number' ? [g.disparate_impact] : [],
        ),
      )
      return { values: { disparate_impact_min: impacts.length ? Math.min(...impacts) : undefined } }
    }
  }
}

/**
 * Applies `messages` to the readings (in place: called once their evaluation is durable) and
 * returns the models they touched. A message replaces its family's reading when its window is
 * later, or the same window re-published (a higher version, as labels arrive); older windows,
 * replayed or late, leave it. The work is the batch's, not the fleet's.
 */
export function observeHealth(readings: HealthReadings, messages: readonly MetricsMessage[]): Set<string> {
  const touched = new Set<string>()
  for (const m of messages) {
    const start = Date.parse(m.window_start)
    const model = readings.get(m.model_id) ?? {}
    const have = model[m.family]
    if (have && (start < have.windowStart || (start === have.windowStart && m.version < have.version)))
      continue
    model[m.family] = {
      windowStart: start,
      windowEnd: Date.parse(m.window_end),
      version: m.version,
      ...valuesOf(m),
    }
    readings.set(m.model_id, model)
    touched.add(m.model_id)
  }
  return touched
}

/** Firing alerts per model. */
export function firingByModel(states: Iterable<AlertState>): Map<string, number> {
  const out = new Map<string, number>()
  for (const s of states) if (s.status === 'firing') out.set(s.modelId, (out.get(s.modelId) ?? 0) + 1)
  return out
}

const GAUGES = {
  drift_share: 'Share of the features drifted in the latest closed window',
  drifted_features: 'Features drifted in the latest closed window',
  accuracy: 'Accuracy of the latest window with labels (it changes as late labels arrive)',
  label_coverage: "Share of the latest performance window's predictions that have a label",
  disparate_impact_min: 'Lowest disparate impact over sensitive attributes and groups in the latest window',
} as const

/** The gauges, registered once; `update` sets them from the readings and alert states. */
export function createHealthGauges(registry: Registry, options: { perFeature: boolean }) {
  const gauges = Object.fromEntries(
    Object.entries(GAUGES).map(([name, help]) => [
      name,
      new Gauge({ name: `vigil_model_${name}`, help, labelNames: ['model'] as const, registers: [registry] }),
    ]),
  ) as Record<keyof typeof GAUGES, Gauge<'model'>>
  const firing = new Gauge({
    name: 'vigil_model_alerts_firing',
    help: 'Alerts firing for the model',
    labelNames: ['model'] as const,
    registers: [registry],
  })
  const windowEnd = new Gauge({
    name: 'vigil_model_window_end_timestamp_seconds',
    help: 'End of the latest closed window per family (drift, performance, fairness): how fresh the readings are',
    labelNames: ['model', 'family'] as const,
    registers: [registry],
  })
  const feature = options.perFeature
    ? new Gauge({
        name: 'vigil_feature_drifted',
        help: 'Whether the feature drifted in the latest closed window (alerting.model_metrics.per_feature)',
        labelNames: ['model', 'feature'] as const,
        registers: [registry],
      })
    : undefined

  return {
    /** Sets the gauges of `models` (default: every model read) from the readings and alert states. */
    update(readings: HealthReadings, states: Iterable<AlertState>, models?: ReadonlySet<string>): void {
      for (const [model, families] of readings) {
        if (models && !models.has(model)) continue
        for (const [family, latest] of Object.entries(families)) {
          windowEnd.set({ model, family }, latest.windowEnd / 1000)
          for (const [name, v] of Object.entries(latest.values))
            if (v !== undefined) gauges[name as keyof typeof GAUGES].set({ model }, v)
          if (feature)
            for (const [f, d] of Object.entries(latest.drifted ?? {}))
              feature.set({ model, feature: f }, d ? 1 : 0)
        }
      }
      const counts = firingByModel(states)
      // A model whose alerts all resolved reads 0, not its last count.
      for (const model of models ?? new Set([...readings.keys(), ...counts.keys()]))
        firing.set({ model }, counts.get(model) ?? 0)
    },
  }
}
