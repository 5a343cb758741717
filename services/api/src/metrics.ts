import { Counter, Histogram, type Registry } from '@vigil/observability'
import type { MiddlewareHandler } from 'hono'

/**
 * The API's metrics. `route` is the matched route pattern (`/v1/windows/drift`,
 * `/v1/silences/:id`), never the raw path, so the label stays bounded; unmatched paths count as
 * `unmatched`.
 */
export function createApiMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'vigil_api_requests_total',
    help: 'HTTP requests answered, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'vigil_api_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route (ingest includes the broker acknowledgement)',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  const events = new Counter({
    name: 'vigil_api_events_total',
    help: 'Events posted to the ingest routes: accepted (acknowledged by the broker) or rejected (invalid)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  })
  const observe: MiddlewareHandler = async function observeRequest(c, next) {
    const started = performance.now()
    await next()
    // routePath is the last matched pattern; '/*'-style middleware patterns mean nothing matched.
    const route = c.req.routePath && !c.req.routePath.includes('*') ? c.req.routePath : 'unmatched'
    requests.inc({ route, method: c.req.method, status: String(c.res.status) })
    duration.observe({ route }, (performance.now() - started) / 1000)
  }
  return {
    observe,
    ingested(kind: 'predictions' | 'labels' | 'cloudevents', accepted: number, rejected: number) {
      if (accepted) events.inc({ kind, outcome: 'accepted' }, accepted)
      if (rejected) events.inc({ kind, outcome: 'rejected' }, rejected)
    },
  }
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>
