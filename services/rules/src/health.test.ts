import type { MetricsMessage } from '@vigil/events'
import { createMetricsRegistry } from '@vigil/observability'
import { makeDriftMetrics } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { createHealthGauges, type HealthReadings, observeHealth } from './health.js'
import type { AlertState } from './steps/lifecycle.js'

// Model health on /metrics: the latest window per model and family, whatever order the windows
// come in, as gauges of bounded cardinality.

const performance = (w: number, accuracy: number, coverage: number, version = 1): MetricsMessage => ({
  ...makeDriftMetrics(w, {}),
  family: 'performance',
  features: {},
  version,
  label_coverage: coverage,
  performance: { accuracy, roc_auc: 0.8 },
})
const fairness = (w: number, impacts: Record<string, number | null>): MetricsMessage => ({
  ...makeDriftMetrics(w, {}),
  family: 'fairness',
  features: {},
  fairness: {
    gender: {
      reference_group: 'm',
      groups: Object.fromEntries(Object.entries(impacts).map(([g, d]) => [g, { disparate_impact: d }])),
    },
  },
})
const alert = (modelId: string, status: AlertState['status']) => ({ modelId, status }) as AlertState

describe('model health readings', () => {
  it('keep the latest window per family; a re-published window replaces it, an older one does not', () => {
    const r: HealthReadings = new Map()
    observeHealth(r, [
      makeDriftMetrics(2, { amount: 0.5, age: 0.1 }),
      makeDriftMetrics(1, { amount: 0.9, age: 0.9 }),
    ])
    expect(r.get('fraud')?.drift?.values).toEqual({ drift_share: 0.5, drifted_features: 1 })
    observeHealth(r, [performance(1, 0.8, 0.2), performance(1, 0.75, 0.6, 2), performance(0, 0.9, 1)])
    expect(r.get('fraud')?.performance?.values).toEqual({ accuracy: 0.75, label_coverage: 0.6 })
    observeHealth(r, [fairness(1, { m: 1, f: 0.7, x: null })])
    expect(r.get('fraud')?.fairness?.values).toEqual({ disparate_impact_min: 0.7 })
    expect(r.get('fraud')?.drift?.drifted).toEqual({ amount: true, age: false })
  })

  it('are gauges per model, firing alerts counted (0 once resolved); per feature only when asked', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false })
    const gauges = createHealthGauges(registry, { perFeature: false })
    const r: HealthReadings = new Map()
    expect(observeHealth(r, [makeDriftMetrics(2, { amount: 0.5 }), performance(2, 0.81, 0.4)])).toEqual(
      new Set(['fraud']),
    )
    gauges.update(r, [alert('fraud', 'firing'), alert('fraud', 'firing'), alert('churn', 'inactive')])
    const text = await registry.metrics()
    expect(text).toContain('vigil_model_drift_share{model="fraud"} 1')
    expect(text).toContain('vigil_model_accuracy{model="fraud"} 0.81')
    expect(text).toContain('vigil_model_label_coverage{model="fraud"} 0.4')
    expect(text).toContain('vigil_model_alerts_firing{model="fraud"} 2')
    expect(text).toMatch(/vigil_model_window_end_timestamp_seconds\{model="fraud",family="drift"\} \d+/)
    expect(text).not.toContain('vigil_feature_drifted')
    gauges.update(r, [alert('fraud', 'inactive')])
    expect(await registry.metrics()).toContain('vigil_model_alerts_firing{model="fraud"} 0')

    const perFeature = createMetricsRegistry({ defaultMetrics: false })
    createHealthGauges(perFeature, { perFeature: true }).update(r, [])
    expect(await perFeature.metrics()).toContain('vigil_feature_drifted{model="fraud",feature="amount"} 1')
  })
})
