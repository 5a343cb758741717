import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { createSqlRunner, type SqlRunner } from '@vigil/clickhouse'
import { ConfigError, type VigilConfig } from '@vigil/config'
import type { ProcessDeps, Service } from '@vigil/runtime'
import { createApiApp } from './app.js'

export type ApiDeps = Pick<ProcessDeps, 'producer' | 'log' | 'ch' | 'registry' | 'readiness'>

/** The HTTP API as a service of the process, on `api.host`:`api.port`. */
export function createApi(
  config: Pick<
    VigilConfig,
    'api' | 'kafka' | 'file' | 'models' | 'rules' | 'clickhouse' | 'alerting' | 'drift' | 'link_secret'
  >,
  deps: ApiDeps,
): Service & { port(): number } {
  const log = deps.log.child({ service: 'api' })
  let server: ServerType | undefined
  let sql: SqlRunner | undefined
  let port = config.api.port
  return {
    name: 'api',
    async start() {
      const missing = config.api.tokens.filter((t) => !t.token)
      if (config.api.tokens.length === 0 || missing.length > 0)
        throw new ConfigError(
          config.api.tokens.length === 0
            ? [
                {
                  source: config.file ?? 'vigil.yaml',
                  path: 'api.tokens',
                  reason: 'the API needs at least one token',
                },
              ]
            : missing.map((t) => ({
                source: 'environment',
                path: t.token_env,
                reason: `not set: the token of API client "${t.name}"`,
              })),
        )
      sql = await createSqlRunner(deps.ch, config.clickhouse, config.api.sql)
      const app = createApiApp({
        tokens: config.api.tokens.map((t) => ({ name: t.name, scopes: t.scopes, token: t.token! })),
        maxBodyBytes: config.api.max_body_bytes,
        topics: config.kafka.topics,
        send: (topic, messages) => deps.producer.send(topic, messages),
        ch: deps.ch,
        config,
        ...(config.link_secret ? { linkSecret: config.link_secret } : {}),
        sql,
        readiness: deps.readiness,
        registry: deps.registry,
        log,
      })
      await new Promise<void>((resolve, reject) => {
        server = serve(
          { fetch: app.fetch, hostname: config.api.host, port: config.api.port },
          (info: AddressInfo) => {
            port = info.port
            resolve()
          },
        )
        server.once('error', reject)
      })
      log.info({ url: `http://${config.api.host}:${port}` }, 'API listening')
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      await sql?.close()
    },
    // Where it listens: with api.port 0 the system chose the port, and /readyz says which.
    health: () => ({
      ready: server !== undefined,
      detail: { url: `http://${config.api.host}:${port}`, port },
    }),
    port: () => port,
  }
}
