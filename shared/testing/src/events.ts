import { toClickHouseTime } from '@vigil/clickhouse'
import type { LabelEvent, MetricsMessage, PredictionEvent } from '@vigil/events'

/** A valid prediction event; `i` makes the id and values distinct, `overrides` replaces fields. */
export function makePrediction(i: number, overrides: Partial<PredictionEvent> = {}): PredictionEvent {
  const features: Record<string, number | string | null> = {}
  for (let f = 0; f < 15; f++) features[`num_${f}`] = ((i * 7919 + f * 104729) % 10007) / 100
  for (let f = 0; f < 5; f++) features[`cat_${f}`] = ['a', 'b', 'c', 'd'][(i + f) % 4]!
  return {
    schema_version: 1,
    prediction_id: `p-${i}`,
    model_id: `model-${i % 3}`,
    model_version: 'v1',
    timestamp: new Date(Date.UTC(2026, 10, 24, 10) + i * 100).toISOString(),
    features,
    prediction: { label: i % 5 === 0 ? 'fraud' : 'ok', score: (i % 100) / 100 },
    attributes: { region: i % 2 ? 'eu' : 'us' },
    ...overrides,
  }
}

export function makeLabel(i: number, overrides: Partial<LabelEvent> = {}): LabelEvent {
  return {
    schema_version: 1,
    prediction_id: `p-${i}`,
    model_id: `model-${i % 3}`,
    timestamp: new Date(Date.UTC(2026, 10, 25, 10) + i * 100).toISOString(),
    label: i % 7 === 0 ? 'fraud' : 'ok',
    ...overrides,
  }
}

/** Start of window 0 of {@link makeDriftMetrics}: hourly windows from 2026-11-24 08:00 UTC. */
export const METRICS_T0 = Date.UTC(2026, 10, 24, 8)

/**
 * A drift metrics message for model `fraud` version `v1`, hourly window `w`, with the given PSI per
 * feature (drifted above 0.2; null: no value); `overrides` replaces fields.
 */
export function makeDriftMetrics(
  w: number,
  psi: Record<string, number | null>,
  overrides: Partial<MetricsMessage> = {},
): MetricsMessage {
  const drifted = (v: number | null) => (v ?? 0) > 0.2
  const values = Object.values(psi)
  return {
    schema_version: 1,
    family: 'drift',
    model_id: 'fraud',
    model_version: 'v1',
    window_start: new Date(METRICS_T0 + w * 3_600_000).toISOString(),
    window_end: new Date(METRICS_T0 + (w + 1) * 3_600_000).toISOString(),
    version: 1,
    n: 2000,
    ...(values.length > 0 ? { drift_share: values.filter(drifted).length / values.length } : {}),
    features: Object.fromEntries(
      Object.entries(psi).map(([f, v]) => [
        f,
        { type: 'numerical', drifted: drifted(v), metrics: { psi: v } },
      ]),
    ),
    ...overrides,
  }
}

/**
 * The drift_windows rows (PSI and the decision per feature) a drift service writes before it
 * publishes these messages: what an alert's chart reads. At most `features` features each.
 */
export function driftWindowRows(messages: readonly MetricsMessage[], features = Number.POSITIVE_INFINITY) {
  return messages.flatMap((m) =>
    Object.entries(m.features)
      .slice(0, features)
      .map(([feature, f]) => ({
        model_id: m.model_id,
        model_version: m.model_version,
        window_start: toClickHouseTime(Date.parse(m.window_start)),
        window_end: toClickHouseTime(Date.parse(m.window_end)),
        feature,
        feature_type: f.type,
        metric: 'psi',
        value: f.metrics.psi ?? null,
        drifted: f.drifted ? 1 : 0,
        n_reference: 0,
        n_current: m.n,
        reference: m.reference ?? 'baseline:*',
        version: m.version,
      })),
  )
}

/** One invalid message of each kind the recorder must route to the DLQ, with the reason it must give. */
export const INVALID_MESSAGES: { value: string; reason: RegExp }[] = [
  { value: '{"schema_version": 1, "prediction_id": ', reason: /^invalid JSON/ },
  {
    value: JSON.stringify(makePrediction(1)).replace('"num_0":', '"num_0":NaN,"x":'),
    reason: /NaN is not a JSON number/,
  },
  { value: JSON.stringify({ ...makePrediction(2), schema_version: 9 }), reason: /unknown schema_version 9/ },
  { value: JSON.stringify({ ...makePrediction(3), model_id: 'bad id!' }), reason: /\/model_id: must match/ },
  {
    value: JSON.stringify({ ...makePrediction(4), features: { blob: 'x'.repeat(300_000) } }),
    reason: /over the 262144-byte limit/,
  },
  {
    value: JSON.stringify(makePrediction(5)).replace('"num_1":', '"num_1":1e999,"y":'),
    reason: /numbers must be finite/,
  },
]

/**
 * A small binary window worked by hand, model `fraud` (positive class `fraud`), attribute `group`:
 * 8 predictions, 6 labelled (coverage 0.75), accuracy 4/6, precision and recall 2/3, ROC AUC 8/9;
 * group a selects 2 of 4 and b 1 of 4 (disparate impact 0.5), TPR a 1 and b 0.5.
 */
export function outcomeSample(): { predictions: PredictionEvent[]; labels: LabelEvent[] } {
  const rows = [
    ['a', 'fraud', 0.9, 'fraud'],
    ['a', 'fraud', 0.7, 'ok'],
    ['a', 'ok', 0.2, 'ok'],
    ['a', 'ok', 0.1, undefined],
    ['b', 'fraud', 0.8, 'fraud'],
    ['b', 'ok', 0.4, 'fraud'],
    ['b', 'ok', 0.3, 'ok'],
    ['b', 'ok', 0.2, undefined],
  ] as const
  return {
    predictions: rows.map(([group, label, score], i) => ({
      schema_version: 1,
      prediction_id: `p${i}`,
      model_id: 'fraud',
      model_version: 'v1',
      timestamp: new Date(Date.UTC(2026, 10, 24, 10) + i * 1000).toISOString(),
      features: { amount: i },
      prediction: { label, score },
      attributes: { group },
    })),
    labels: rows.flatMap(([, , , truth], i) =>
      truth
        ? [
            {
              schema_version: 1 as const,
              prediction_id: `p${i}`,
              model_id: 'fraud',
              timestamp: '2026-11-26T00:00:00Z',
              label: truth,
            },
          ]
        : [],
    ),
  }
}

const FRAUD_T0 = Date.UTC(2026, 10, 24, 10)

/** Model fraud's prediction `i`: 3 minutes apart from 10:00 (20 per hourly window), groups a and b. */
export function fraudPrediction(i: number): PredictionEvent {
  const score = ((i * 37) % 100) / 100
  return {
    schema_version: 1,
    prediction_id: `p${i}`,
    model_id: 'fraud',
    model_version: 'v1',
    timestamp: new Date(FRAUD_T0 + i * 180_000).toISOString(),
    features: { amount: i },
    prediction: { label: score >= 0.5 ? 'fraud' : 'ok', score },
    attributes: { group: i % 2 ? 'a' : 'b' },
  }
}

/** The truth of {@link fraudPrediction} `i`, known two days after the prediction. */
export function fraudLabel(i: number): LabelEvent {
  return {
    schema_version: 1,
    prediction_id: `p${i}`,
    model_id: 'fraud',
    timestamp: new Date(FRAUD_T0 + i * 180_000 + 2 * 86_400_000).toISOString(),
    label: i % 3 === 0 ? 'fraud' : 'ok',
  }
}
