import { OpenAPIHono } from '@hono/zod-openapi'
import type { ClickHouse, SqlRunner } from '@vigil/clickhouse'
import { modelConfig, type VigilConfig } from '@vigil/config'
import type { Logger, Registry } from '@vigil/observability'
import type { Readiness } from '@vigil/runtime'
import { DEFAULT_SAMPLE_SIZE } from '@vigil/stats'
import { HTTPException } from 'hono/http-exception'
import type { ApiToken } from './auth.js'
import { consoleRoutes } from './console/routes.js'
import { createScopeGuard, fail } from './http.js'
import { createApiMetrics } from './metrics.js'
import { alertRoutes } from './routes/alerts.js'
import { baselineRoutes } from './routes/baselines.js'
import { cloudEventsRoutes } from './routes/cloudevents.js'
import { contractComponents } from './routes/contracts.js'
import { distributionRoutes } from './routes/distribution.js'
import { episodeRoutes } from './routes/episodes.js'
import { fleetRoutes } from './routes/fleet.js'
import { type IngestDeps, ingestRoutes } from './routes/ingest.js'
import { opsRoutes } from './routes/ops.js'
import { slackRoutes } from './routes/slack.js'
import { sqlRoutes } from './routes/sql.js'
import { windowRoutes } from './routes/windows.js'

export interface ApiOptions extends IngestDeps {
  tokens: readonly ApiToken[]
  ch: ClickHouse
  config: Pick<VigilConfig, 'models' | 'rules'> & {
    api: Pick<VigilConfig['api'], 'sql'>
    alerting?: Pick<VigilConfig['alerting'], 'slack'>
    drift?: Pick<VigilConfig['drift'], 'sample_size'>
  }
  sql: SqlRunner
  readiness: () => Readiness
  registry: Registry
  log: Logger
  /** Wall time, for silences. */
  now?: () => number
  /** VIGIL_LINK_SECRET: verifies the signed chart links of webhooks and PagerDuty events. */
  linkSecret?: string
}

/** Errors of a dependency being away, not of the request: 503, so the client retries. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown }
  return (
    (typeof e?.name === 'string' && e.name.startsWith('KafkaJS')) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CHDB_CLOSED', 'CHDB_CONNECTION'].includes(
      String(e?.code),
    )
  )
}

/**
 * The HTTP API: ingest for services that cannot produce to Kafka; reads of models, windows,
 * alerts and notifications; baselines and silences; analysts' SQL; health; and `/openapi.json`,
 * generated from the same schemas that validate the requests. Every error is JSON with a sentence.
 */
export function createApiApp(options: ApiOptions) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
      const where = result.target === 'json' ? 'body' : result.target === 'param' ? 'path' : result.target
      return fail(
        c,
        400,
        `invalid ${where}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
        { issues },
      )
    },
  })
  const requireScope = createScopeGuard(options.tokens)
  const now = options.now ?? Date.now
  const metrics = createApiMetrics(options.registry)
  app.use('*', metrics.observe)

  opsRoutes(app, options)
  ingestRoutes(app, requireScope, { ...options, metrics })
  if (options.topics.cloudevents)
    cloudEventsRoutes(app, requireScope, {
      ...options,
      metrics,
      topic: options.topics.cloudevents,
      // Pairs are keyed here as the ingest service pairs them, so both halves share a partition.
      pairing: (id) => modelConfig(options.config, id).ingest?.pair_by,
    })
  windowRoutes(app, requireScope, options)
  fleetRoutes(app, requireScope, options)
  distributionRoutes(app, requireScope, {
    ch: options.ch,
    sampleSize: options.config.drift?.sample_size ?? DEFAULT_SAMPLE_SIZE,
  })
  slackRoutes(app, { ch: options.ch, log: options.log, now, slack: options.config.alerting?.slack ?? {} })
  alertRoutes(app, requireScope, { ...options, now })
  episodeRoutes(app, requireScope, {
    ch: options.ch,
    config: options.config,
    ...(options.linkSecret ? { linkSecret: options.linkSecret } : {}),
  })
  baselineRoutes(app, requireScope, options)
  sqlRoutes(app, requireScope, {
    sql: options.sql,
    maxConcurrent: options.config.api.sql.max_concurrent,
    maxRows: options.config.api.sql.max_rows,
    maxSeconds: options.config.api.sql.max_seconds,
  })

  const components = {
    ...contractComponents('PredictionEvent', 'prediction.v1'),
    ...contractComponents('LabelEvent', 'label.v1'),
  }
  for (const [name, schema] of Object.entries(components))
    app.openAPIRegistry.registerComponent('schemas', name, schema)
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from api.tokens in vigil.yaml; each has scopes: ingest, read, admin',
  })
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'vigil API',
      version: '1',
      description:
        'Ingest prediction and label events, read the windows vigil computed, manage baselines and silences, and run read-only SQL.',
    },
  })

  consoleRoutes(app, options.tokens)

  app.notFound((c) => fail(c, 404, `no route ${c.req.method} ${c.req.path}`))
  app.onError((err, c) => {
    if (err instanceof HTTPException) return fail(c, err.status, err.message || 'bad request')
    if (isUnavailable(err)) return fail(c, 503, `a dependency is unavailable: ${(err as Error).message}`)
    options.log.error({ err, method: c.req.method, path: c.req.path }, 'API request failed')
    return fail(c, 500, 'internal error: the request failed on the server side; it has been logged')
  })
  return app
}
