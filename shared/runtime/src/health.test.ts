import { createMetricsRegistry } from '@vigil/observability'
import { describe, expect, it } from 'vitest'
import { createHealthApp } from './health.js'
import { type Service, startAll } from './service.js'

function fakeService(name: string, log: string[], ready = true): Service {
  return {
    name,
    start: async () => void log.push(`start ${name}`),
    stop: async () => void log.push(`stop ${name}`),
    health: () => ({ ready }),
  }
}

describe('health endpoints', () => {
  const registry = createMetricsRegistry({ defaultMetrics: false })

  it('/healthz answers while /readyz reflects services and shutdown', async () => {
    let stopping = false
    let ready = true
    const svc: Service = { ...fakeService('recorder', []), health: () => ({ ready, detail: { sink: 'ok' } }) }
    const app = createHealthApp({ registry, services: () => [svc], isStopping: () => stopping })
    expect((await app.request('/healthz')).status).toBe(200)
    expect((await app.request('/readyz')).status).toBe(200)
    ready = false
    const notReady = await app.request('/readyz')
    expect(notReady.status).toBe(503)
    expect(await notReady.json()).toMatchObject({
      status: 'not ready',
      services: { recorder: { ready: false } },
    })
    ready = true
    stopping = true
    expect(await (await app.request('/readyz')).json()).toMatchObject({ status: 'stopping' })
  })

  it('/metrics serves the Prometheus text format', async () => {
    const app = createHealthApp({ registry, services: () => [], isStopping: () => false })
    const res = await app.request('/metrics')
    expect(res.headers.get('content-type')).toMatch(/text\/plain/)
  })
})

describe('startAll', () => {
  it('stops in reverse order, once', async () => {
    const log: string[] = []
    const stop = await startAll([fakeService('a', log), fakeService('b', log)], () => {})
    await Promise.all([stop(), stop()])
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a'])
  })

  it('stops what started when a later part fails to start', async () => {
    const log: string[] = []
    const bad: Service = { ...fakeService('b', log), start: () => Promise.reject(new Error('no broker')) }
    await expect(startAll([fakeService('a', log), bad], () => {})).rejects.toThrow('no broker')
    expect(log).toEqual(['start a', 'stop a'])
  })
})

describe('/healthz', () => {
  it('fails when a service says it cannot recover by itself (a consumer that stays down)', async () => {
    let live = true
    const svc: Service = { ...fakeService('drift', []), health: () => ({ ready: false, live }) }
    const app = createHealthApp({
      registry: createMetricsRegistry({ defaultMetrics: false }),
      services: () => [svc],
      isStopping: () => false,
    })
    expect((await app.request('/healthz')).status).toBe(200)
    live = false
    const res = await app.request('/healthz')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ status: 'not live', error: expect.stringContaining('drift') })
  })
})
