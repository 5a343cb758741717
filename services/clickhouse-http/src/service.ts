import { type ServedEngine, serveClickHouse } from '@vigil/clickhouse'
import { ConfigError, type VigilConfig } from '@vigil/config'
import type { ProcessDeps, Service } from '@vigil/runtime'

export type ClickHouseHttpDeps = Pick<ProcessDeps, 'ch' | 'log'>

/**
 * The process's embedded engine on ClickHouse's HTTP interface (`clickhouse.serve`): analysts
 * point clickhouse-connect, DBeaver or Grafana at it, and other vigil processes use it as
 * CLICKHOUSE_URL, while this process holds the data directory.
 */
export function createClickHouseHttp(
  config: Pick<VigilConfig, 'clickhouse' | 'api' | 'file'>,
  deps: ClickHouseHttpDeps,
): Service & { port(): number } {
  const log = deps.log.child({ service: 'clickhouse-http' })
  const serve = config.clickhouse.serve
  let served: ServedEngine | undefined
  return {
    name: 'clickhouse-http',
    async start() {
      if (!serve)
        throw new ConfigError([
          {
            source: config.file ?? 'vigil.yaml',
            path: 'clickhouse.serve',
            reason: 'not set: nothing to serve',
          },
        ])
      const missing = serve.users.filter((u) => !u.password)
      if (missing.length > 0)
        throw new ConfigError(
          missing.map((u) => ({
            source: 'environment',
            path: u.password_env,
            reason: `not set: the password of ClickHouse user "${u.name}"`,
          })),
        )
      served = await serveClickHouse(deps.ch, {
        host: serve.host,
        port: serve.port,
        users: serve.users.map((u) => ({ name: u.name, password: u.password!, readonly: u.readonly })),
        limits: config.api.sql,
        onError: (err) => log.error({ err }, 'served ClickHouse request failed'),
      })
      log.info({ url: `http://${serve.host}:${served.port}` }, 'embedded ClickHouse served over HTTP')
    },
    async stop() {
      await served?.close()
    },
    health: () => ({
      ready: served !== undefined,
      ...(served ? { detail: { url: `http://${serve?.host}:${served.port}`, port: served.port } } : {}),
    }),
    port: () => served?.port ?? serve?.port ?? 0,
  }
}
