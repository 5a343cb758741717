import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import type { Logger, Registry } from '@vigil/observability'
import { Hono } from 'hono'
import type { Service, ServiceHealth } from './service.js'

export interface Readiness {
  ready: boolean
  status: 'ready' | 'not ready' | 'stopping'
  services: Record<string, ServiceHealth>
}

/** Ready: no shutdown has begun and every service reports ready. */
export function readiness(services: readonly Service[], stopping: boolean): Readiness {
  const health = Object.fromEntries(services.map((s) => [s.name, s.health()]))
  const ready = !stopping && Object.values(health).every((h) => h.ready)
  return { ready, status: ready ? 'ready' : stopping ? 'stopping' : 'not ready', services: health }
}

/**
 * The process's operational endpoints. `/healthz` is shallow (the process answers, and no
 * service says it cannot recover: a consumer kafkajs stopped and vigil could not restart);
 * `/readyz` fails after a shutdown began or while any service reports not ready (a sink is
 * down, a consumer crashed), so an orchestrator stops routing to it without restarting it.
 */
export function createHealthApp(options: {
  registry: Registry
  services: () => readonly Service[]
  isStopping: () => boolean
}) {
  const app = new Hono()
  app.get('/healthz', (c) => {
    const dead = options
      .services()
      .filter((s) => s.health().live === false)
      .map((s) => s.name)
    return dead.length === 0
      ? c.json({ status: 'ok' })
      : c.json({ status: 'not live', error: `not recovering by itself: ${dead.join(', ')}` }, 503)
  })
  app.get('/readyz', (c) => {
    const r = readiness(options.services(), options.isStopping())
    return c.json({ status: r.status, services: r.services }, r.ready ? 200 : 503)
  })
  app.get('/metrics', async (c) => {
    c.header('Content-Type', options.registry.contentType)
    return c.body(await options.registry.metrics())
  })
  return app
}

/** Serves {@link createHealthApp} as a {@link Service}; port 0 picks a free port. */
export function createHealthServer(options: {
  host: string
  port: number
  registry: Registry
  services: () => readonly Service[]
  isStopping: () => boolean
  log: Logger
}): Service & { port(): number } {
  const app = createHealthApp(options)
  let server: ServerType | undefined
  let port = options.port
  return {
    name: 'http',
    async start() {
      await new Promise<void>((resolve, reject) => {
        server = serve(
          { fetch: app.fetch, hostname: options.host, port: options.port },
          (info: AddressInfo) => {
            port = info.port
            resolve()
          },
        )
        server.once('error', reject)
      })
      options.log.info({ url: `http://${options.host}:${port}` }, 'serving /healthz /readyz /metrics')
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    },
    health: () => ({ ready: true }),
    port: () => port,
  }
}
