import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { SqlQueryError, type SqlRunner } from '@vigil/clickhouse'
import type { MiddlewareHandler } from 'hono'
import { bearer, errorResponses, fail, type ScopeGuard } from '../http.js'

export interface SqlRoutesDeps {
  sql: SqlRunner
  maxConcurrent: number
  maxRows: number
  maxSeconds: number
}

const SqlResult = z
  .object({
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    rows: z.array(z.record(z.string(), z.unknown())),
    truncated: z.boolean().openapi({ description: 'more rows than the row limit; `rows` holds the first' }),
    elapsed_ms: z.number(),
  })
  .openapi('SqlResult')

/**
 * `POST /v1/sql`: analysts' read-only SQL, also where the embedded engine cannot be opened by a
 * second process. More queries at once than `maxConcurrent` get 429 rather than a queue, so
 * analysts cannot hold up the services that share the engine.
 */
export function sqlRoutes(app: OpenAPIHono, requireScope: ScopeGuard, deps: SqlRoutesDeps): void {
  let running = 0
  // The slot is taken before the body is read and validated: a refused analyst costs the
  // process (and the ingest it shares) as little as possible.
  const slot: MiddlewareHandler = async function sqlSlot(c, next) {
    if (running >= deps.maxConcurrent)
      return fail(c, 429, `${running} SQL queries are running, the most at once: try again shortly`)
    running++
    try {
      await next()
    } finally {
      running--
    }
  }
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sql',
      tags: ['read'],
      summary: 'Run one read-only SQL statement',
      description:
        `SELECT, WITH, SHOW, DESCRIBE or EXISTS in vigil's database (tables need no database name). ` +
        `At most ${deps.maxRows} rows and ${deps.maxSeconds} s; a statement cannot set its own SETTINGS, ` +
        'FORMAT or INTO OUTFILE. Needs the read scope.',
      security: bearer,
      middleware: [requireScope('read'), slot],
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                query: z.string().min(1).max(100_000).openapi({
                  example: 'SELECT model_id, count() FROM predictions GROUP BY model_id',
                }),
              }),
            },
          },
        },
      },
      responses: {
        200: { description: 'The result', content: { 'application/json': { schema: SqlResult } } },
        ...errorResponses(415, 429, 503),
      },
    }),
    async (c) => {
      try {
        return c.json(await deps.sql.run(c.req.valid('json').query), 200)
      } catch (err) {
        if (err instanceof SqlQueryError) return fail(c, 400, err.message)
        throw err
      }
    },
  )
}
