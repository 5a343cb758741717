/** Types matching schemas/events/*.v1.schema.json; `contracts.test.ts` keeps them honest. */

/** A feature or attribute value: numbers are numerical, strings and booleans categorical, null missing. */
export type Scalar = number | string | boolean | null

export interface PredictionEvent {
  schema_version: 1
  prediction_id: string
  model_id: string
  model_version: string
  /** RFC 3339 event time. */
  timestamp: string
  features: Record<string, Scalar>
  prediction: {
    label?: string
    score?: number
    probabilities?: Record<string, number>
    value?: number
  }
  attributes?: Record<string, Scalar>
}

export interface LabelEvent {
  schema_version: 1
  prediction_id: string
  model_id: string
  timestamp: string
  label: string | number
}

/** A prediction joined with its label (schemas/events/outcome.v1). */
export interface OutcomeEvent {
  schema_version: 1
  model_id: string
  model_version: string
  prediction_id: string
  prediction_time: string
  label_time: string
  prediction: PredictionEvent['prediction']
  attributes?: Record<string, Scalar>
  label: string | number
}

export type EventKind = 'prediction' | 'label' | 'metrics' | 'outcome' | 'alert' | 'webhook'

type Severity = 'info' | 'warning' | 'critical'

/** An alert state change on vigil.alerts (schemas/events/alert.v1.schema.json). */
export interface AlertEvent {
  schema_version: 1
  alert_key: string
  rule: string
  model_id: string
  model_version: string
  subject: string
  transition: 'pending' | 'cleared' | 'firing' | 'repeat' | 'resolved'
  status: 'inactive' | 'pending' | 'firing'
  severity: Severity
  value: number | null
  episode: string | null
  window_start: string
  window_end: string
}

/** The body of a notify or retraining webhook (schemas/events/webhook.v1.schema.json). */
export interface WebhookBody {
  schema_version: 1
  id: string
  kind: 'firing' | 'repeat' | 'resolved' | 'retrain'
  summary: string
  severity: Severity
  model: { id: string; version: string }
  window: { start: string; end: string }
  alerts: {
    rule: string
    metric: string
    subject: string
    value: number | null
    condition: string
    severity: Severity
    episode: string
    since: string
    window: { start: string; end: string }
    labels: Record<string, string>
    runbook?: string
  }[]
  training_data?: {
    description: string
    query: string
    params: { model_id: string; model_version: string; from: string }
  }
}

/** A closed window's metrics on vigil.metrics (schemas/events/metrics.v1.schema.json). */
export interface MetricsMessage {
  schema_version: 1
  family: 'drift' | 'performance' | 'fairness'
  model_id: string
  model_version: string
  window_start: string
  window_end: string
  version: number
  n: number
  reference?: string
  drift_share?: number
  features: Record<
    string,
    {
      type: 'numerical' | 'categorical'
      drifted: boolean
      drift_test?: string
      metrics: Record<string, number | null>
    }
  >
  quality?: Record<string, Record<string, number>>
  label_coverage?: number
  performance?: Record<string, number | null>
  fairness?: Record<
    string,
    { reference_group: string; groups: Record<string, Record<string, number | null>> }
  >
}

/** Outcome of a step: a value, or a reason the input is invalid (it goes to the DLQ). */
export type Result<T> = { ok: true; value: T } | { ok: false; reason: string; code: InvalidCode }

/** Why an event is invalid, as a bounded set (a metrics label); `reason` has the details. */
export type InvalidCode =
  | 'too_large'
  | 'empty'
  | 'invalid_json'
  | 'not_object'
  | 'schema_version'
  | 'non_finite'
  | 'schema'
