// The API as the console reads it: the same JSON routes a script uses (see /openapi.json), with
// the login cookie or a token handed over in the URL's fragment (`/ui#token=…`, kept for this tab).

const TOKEN_KEY = 'vigil.token'

/** A `#token=…` fragment moves into this tab's session storage and leaves the address bar. */
export function adoptFragmentToken(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (!m?.[1]) return
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]))
  history.replaceState(null, '', location.pathname + location.search)
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** GET a JSON route; without a valid token or login, off to the login form and back. */
export async function getJson<T>(
  path: string,
  query: Record<string, string | number | undefined> = {},
): Promise<T> {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
  const token = sessionStorage.getItem(TOKEN_KEY)
  const res = await fetch(`${path}${params.size ? `?${params}` : ''}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    credentials: 'same-origin',
  })
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY)
    location.assign(`/ui/login?next=${encodeURIComponent(location.pathname + location.search)}`)
    throw new ApiError(401, 'signing in')
  }
  const body = (await res.json().catch(() => ({}))) as T & { error?: string }
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${path} answered ${res.status}`)
  return body
}

// The shapes of the answers the console reads (the API's OpenAPI description has them all).

export interface FleetWindow {
  window_start: string
  predictions: number
  drift_share: number | null
  drifted_features: number
  performance_metric: string | null
  performance: number | null
  label_coverage: number | null
}
export interface FleetModel {
  model_id: string
  window_ms: number
  last_event: string | null
  firing_alerts: number
  windows: FleetWindow[]
}
export interface Alert {
  rule: string
  model_id: string
  model_version: string
  subject: string
  status: string
  severity: string
  value: number | null
  last_window: string
  episode: string | null
  since: string | null
}
export interface AlertTransition {
  window_start: string
  window_end: string
  rule: string
  model_id: string
  model_version: string
  subject: string
  transition: string
  status: string
  severity: string
  value: number | null
  episode: string
}
export interface Rule {
  name: string
  model: string
  metric: string
  feature: string | null
  when: string
  severity: string
}
interface WindowBase {
  model_id: string
  model_version: string
  window_start: string
  window_end: string
  metric: string
  value: number | null
}
export interface DriftRow extends WindowBase {
  feature: string
  feature_type: string
  drifted: boolean
  n_reference: number
  n_current: number
  reference: string
}
export interface QualityRow extends WindowBase {
  feature: string
}
export interface PerformanceRow extends WindowBase {
  class: string
  n_predictions: number
  n_labelled: number
  label_coverage: number | null
  version: number
}
export interface FairnessRow extends WindowBase {
  attribute: string
  group: string
  reference_group: string
}
export interface Page<R> {
  data: R[]
  truncated: boolean
}
export interface ModelInfo {
  model_id: string
  versions: string[]
  predictions: number
  labels: number
  settings: { window_ms: number; reference: string; task: string | null }
}
export interface FeatureDistribution {
  model_version: string
  window_start: string
  feature: string
  reference: string
  n_reference: number
  n_current: number
  current_from: 'bins' | 'categories' | 'sample'
  distribution:
    | { kind: 'numerical'; edges: number[]; reference: number[]; current: number[] }
    | { kind: 'categorical'; categories: string[]; reference: number[]; current: number[] }
}
export interface Episode {
  episode: string
  rule: string
  model_id: string
  model_version: string
  severity: string
  status: string
  metric: string | null
  condition: string | null
  runbook: string | null
  subjects: string[]
  window_ms: number
  fired_window: string
  last_window: string
  transitions: AlertTransition[]
  chart: {
    metric: string
    thresholds: number[]
    series: { subject: string; points: { window_start: string; value: number | null }[] }[]
  } | null
}
