import type { ClickHouse } from '@vigil/clickhouse'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { makePrediction } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { type ApiOptions, createApiApp } from './app.js'
import type { ApiToken } from './auth.js'

const TOKENS: ApiToken[] = [
  { name: 'svc', scopes: ['ingest'], token: 'svc-token-0123456789' },
  { name: 'dash', scopes: ['read'], token: 'read-token-0123456789' },
  { name: 'ops', scopes: ['admin'], token: 'admin-token-0123456789' },
]

function app(overrides: Partial<ApiOptions> = {}) {
  return createApiApp({
    tokens: TOKENS,
    maxBodyBytes: 100_000,
    topics: { predictions: 'p', labels: 'l' },
    send: async () => {},
    // No route below reaches ClickHouse: the guard or the validator answers first.
    ch: {} as ClickHouse,
    config: {
      models: {},
      rules: [],
      api: { sql: { max_rows: 10, max_seconds: 1, max_memory_mb: 1, max_threads: 1, max_concurrent: 1 } },
    },
    sql: { run: () => Promise.reject(new Error('not in this test')), close: async () => {} },
    readiness: () => ({ ready: true, status: 'ready', services: {} }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    log: createLogger({ name: 'test', level: 'silent' }),
    ...overrides,
  })
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>
  components: { schemas: Record<string, unknown> }
}

async function openapi(): Promise<OpenApiDoc> {
  const res = await app().request('/openapi.json')
  expect(res.status).toBe(200)
  return (await res.json()) as OpenApiDoc
}

/** The scope each route needs, by `METHOD path`: what the description must say and the guard enforce. */
const SCOPES: Record<string, 'ingest' | 'read' | 'admin' | null> = {
  'GET /healthz': null,
  'GET /readyz': null,
  'GET /metrics': null,
  'POST /v1/predictions': 'ingest',
  'POST /v1/labels': 'ingest',
  'GET /v1/models': 'read',
  'GET /v1/fleet': 'read',
  'GET /v1/models/{model}/distribution': 'read',
  'GET /v1/windows/drift': 'read',
  'GET /v1/windows/quality': 'read',
  'GET /v1/windows/performance': 'read',
  'GET /v1/windows/fairness': 'read',
  'GET /v1/alerts': 'read',
  'GET /v1/alerts/history': 'read',
  'GET /v1/alerts/episodes/{episode}': 'read',
  'GET /v1/alerts/episodes/{episode}/chart.png': 'read',
  'GET /v1/notifications': 'read',
  'GET /v1/rules': 'read',
  'GET /v1/silences': 'read',
  'POST /v1/silences': 'admin',
  'DELETE /v1/silences/{id}': 'admin',
  'POST /v1/models/{model}/baselines': 'admin',
  'POST /v1/sql': 'read',
  // Signed by Slack instead of a bearer token.
  'POST /v1/slack/interactions': null,
}

describe('/openapi.json', () => {
  it('describes every route, with its security and a JSON error body for its 4xx answers', async () => {
    const doc = await openapi()
    const described = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    expect(described.sort()).toEqual(Object.keys(SCOPES).sort())
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`
        expect(op.security !== undefined, key).toBe(SCOPES[key] !== null)
        if (SCOPES[key] !== null)
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403']))
      }
    }
  })

  it('embeds the event contracts, their references resolving inside the document', async () => {
    const doc = await openapi()
    const text = JSON.stringify(doc)
    for (const ref of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
      expect(doc.components.schemas, ref[1]).toHaveProperty(ref[1]!)
    expect(text).not.toContain('#/$defs/')
  })
})

describe('bearer tokens and scopes on every route', () => {
  const concrete = (path: string) => path.replace('{id}', '0123456789ab').replace('{model}', 'm')
  const guarded = Object.entries(SCOPES).filter(
    (e): e is [string, 'ingest' | 'read' | 'admin'] => e[1] !== null,
  )

  it('answers 401 without a token or with an unknown one, 403 naming the missing scope', async () => {
    const a = app()
    let cases = 0
    for (const [key, scope] of guarded) {
      const [method, path] = key.split(' ') as [string, string]
      const send = (authorization?: string) =>
        a.request(concrete(path), { method, headers: authorization ? { authorization } : {} })
      const none = await send()
      expect(none.status, key).toBe(401)
      expect(((await none.json()) as { error: string }).error).toMatch(/missing bearer token/)
      const unknown = await send('Bearer not-a-token')
      expect(unknown.status, key).toBe(401)
      for (const t of TOKENS.filter((t) => !t.scopes.includes(scope))) {
        const wrong = await send(`Bearer ${t.token}`)
        expect(wrong.status, key).toBe(403)
        expect(((await wrong.json()) as { error: string }).error).toContain(`lacks the ${scope} scope`)
        cases++
      }
      cases += 2
    }
    expect(cases).toBeGreaterThanOrEqual(4 * guarded.length)
  })
})

describe('requests the validator refuses', () => {
  const read = { authorization: 'Bearer read-token-0123456789' }
  const admin = { authorization: 'Bearer admin-token-0123456789', 'content-type': 'application/json' }

  it('names the parameter and the problem', async () => {
    const a = app()
    const bad = await a.request('/v1/windows/drift?limit=0&from=yesterday', { headers: read })
    expect(bad.status).toBe(400)
    const body = (await bad.json()) as { error: string; issues: { path: string }[] }
    expect(body.error).toMatch(/^invalid query: /)
    expect(body.issues.map((i) => i.path).sort()).toEqual(['from', 'limit'])
    const silence = await a.request('/v1/silences', { method: 'POST', headers: admin, body: '{"rule": "x"}' })
    expect(silence.status).toBe(400)
    expect(((await silence.json()) as { error: string }).error).toContain(
      'give either a duration or an end time',
    )
    const broken = await a.request('/v1/silences', { method: 'POST', headers: admin, body: '{' })
    expect(broken.status).toBe(400)
    expect(await broken.json()).toHaveProperty('error')
    const unknown = await a.request('/v1/silences/not-an-id', { method: 'DELETE', headers: admin })
    expect(unknown.status).toBe(400)
  })

  it('answers 404 with a JSON body for an unknown route', async () => {
    const res = await app().request('/v1/nothing', { headers: read })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'no route GET /v1/nothing' })
  })
})

describe('ingest when Kafka is down', () => {
  it('answers 503 with the reason and accepts nothing', async () => {
    const a = app({
      send: async () => {
        throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092')
      },
    })
    const res = await a.request('/v1/predictions', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS[0]!.token}` },
      body: JSON.stringify(makePrediction(0)),
    })
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({
      error:
        'Kafka is unavailable, nothing was accepted: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    })
  })
})

describe('/readyz on the API port', () => {
  it('answers 503 while a service is not ready', async () => {
    const res = await app({
      readiness: () => ({ ready: false, status: 'not ready', services: { drift: { ready: false } } }),
    }).request('/readyz')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'not ready', services: { drift: { ready: false } } })
  })
})

describe('/metrics on the API port', () => {
  it('counts requests by route pattern and status, and ingested events by outcome', async () => {
    const a = app()
    await a.request('/v1/windows/drift?limit=0', {
      headers: { authorization: 'Bearer read-token-0123456789' },
    })
    await a.request('/v1/silences/0123456789ab', { method: 'DELETE' })
    await a.request('/no/such/path')
    await a.request('/v1/predictions', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS[0]!.token}` },
      body: `${JSON.stringify(makePrediction(0))}\n{"schema_version": 1}`,
    })
    const text = await (await a.request('/metrics')).text()
    expect(text).toContain('vigil_api_requests_total{route="/v1/windows/drift",method="GET",status="400"} 1')
    expect(text).toContain(
      'vigil_api_requests_total{route="/v1/silences/:id",method="DELETE",status="401"} 1',
    )
    expect(text).toContain('vigil_api_requests_total{route="unmatched",method="GET",status="404"} 1')
    expect(text).toContain('vigil_api_events_total{kind="predictions",outcome="accepted"} 1')
    expect(text).toContain('vigil_api_events_total{kind="predictions",outcome="rejected"} 1')
  })
})

describe('the console under /ui', () => {
  it('serves the shell at every console address, with its assets versioned and gzipped', async () => {
    for (const path of ['/ui', '/ui/models/fraud', '/ui/alerts/0123abcd']) {
      const res = await app().request(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      const page = await res.text()
      expect(page).toMatch(/<script type="module" src="\/ui\/assets\/console\.js\?v=[0-9a-f]{12}">/)
    }
    const page = await (await app().request('/ui')).text()
    const url = /src="(\/ui\/assets\/console\.js\?v=[0-9a-f]{12})"/.exec(page)![1]!
    const js = await app().request(url, { headers: { 'accept-encoding': 'gzip' } })
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(js.headers.get('content-encoding')).toBe('gzip')
    expect(js.headers.get('cache-control')).toContain('immutable')
    expect((await app().request('/ui/assets/console.js')).headers.get('cache-control')).toBe('no-cache')
    expect((await app().request('/ui/assets/secrets.txt')).status).toBe(404)
  })

  it('signs in with a read token into an HttpOnly cookie that reads, but never writes', async () => {
    const form = (token: string, next = '/ui/models/fraud') =>
      app().request('/ui/login', { method: 'POST', body: new URLSearchParams({ token, next }) })
    const unknown = await form('nope')
    expect(unknown.status).toBe(401)
    expect(await unknown.text()).toContain('not one of api.tokens')
    const ingestOnly = await form('svc-token-0123456789')
    expect(ingestOnly.status).toBe(403)
    expect(await ingestOnly.text()).toContain('lacks the read scope')

    const ok = await form('read-token-0123456789')
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe('/ui/models/fraud')
    const cookie = ok.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^vigil_session=read-token-0123456789;/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect((await form('read-token-0123456789', 'https://evil.example/ui')).headers.get('location')).toBe(
      '/ui',
    )

    const session = { cookie: 'vigil_session=read-token-0123456789' }
    expect((await app().request('/v1/rules', { headers: session })).status).toBe(200)
    expect((await app().request('/v1/rules')).status).toBe(401)
    const write = await app().request('/v1/silences', {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json' },
      body: JSON.stringify({ duration: '1h' }),
    })
    expect(write.status).toBe(401)
    const out = await app().request('/ui/logout', { method: 'POST', headers: session })
    expect(out.status).toBe(303)
    expect(out.headers.get('set-cookie')).toMatch(/^vigil_session=;.*Max-Age=0/)
  })
})
