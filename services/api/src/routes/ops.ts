import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Registry } from '@vigil/observability'
import type { Readiness } from '@vigil/runtime'

export interface OpsDeps {
  readiness: () => Readiness
  registry: Registry
}

/** `/healthz`, `/readyz` and `/metrics` on the API's own port, as on the process's health port. */
export function opsRoutes(app: OpenAPIHono, deps: OpsDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'Liveness: the process answers',
      responses: {
        200: {
          description: 'Alive',
          content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
        },
      },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  )
  const Ready = z.object({
    status: z.enum(['ready', 'not ready', 'stopping']),
    services: z.record(z.string(), z.unknown()),
  })
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'Readiness: every service of the process is ready and no shutdown has begun',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: Ready } } },
        503: { description: 'Not ready, or stopping', content: { 'application/json': { schema: Ready } } },
      },
    }),
    (c) => {
      const r = deps.readiness()
      return c.json({ status: r.status, services: r.services }, r.ready ? 200 : 503)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics of the process',
      responses: {
        200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
      },
    }),
    async (c) => c.text(await deps.registry.metrics(), 200, { 'Content-Type': deps.registry.contentType }),
  )
}
