import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClickHouse, connectClickHouse } from '../src/client.js'
import { insertRows, queryRows, toClickHouseTime } from '../src/insert.js'
import { migrate } from '../src/migrate.js'
import { DRIFT_WINDOWS, queryWindows } from '../src/queries/windows.js'
import { type ServedEngine, serveClickHouse } from '../src/serve/server.js'

// The embedded engine served over ClickHouse's HTTP interface, spoken to by real clients: vigil's
// own code through @clickhouse/client as the writer, @clickhouse/client and plain HTTP as the
// read-only user (an analyst's clickhouse-connect: services/clickhouse-http's test).

const WRITER = { name: 'vigil', password: 'writer-secret-0123', readonly: false }
const READER = { name: 'analyst', password: 'reader-secret-0123', readonly: true }
let engine: ClickHouse
let served: ServedEngine
let base = ''

beforeAll(async () => {
  engine = await connectClickHouse({
    database: 'served',
    data_dir: mkdtempSync(join(tmpdir(), 'vigil-serve-')),
  })
  // As `vigil start` does before its services start.
  await migrate(engine)
  served = await serveClickHouse(engine, {
    host: '127.0.0.1',
    port: 0,
    users: [WRITER, READER],
    limits: { max_rows: 100, max_seconds: 5, max_memory_mb: 512, max_threads: 1 },
  })
  base = `http://127.0.0.1:${served.port}`
}, 60_000)

afterAll(async () => {
  await served?.close()
  await engine?.close()
})

const T0 = Date.UTC(2026, 10, 24, 8)
const row = (h: number, value: number) => ({
  model_id: 'fraud',
  model_version: 'v1',
  window_start: toClickHouseTime(T0 + h * 3_600_000),
  window_end: toClickHouseTime(T0 + (h + 1) * 3_600_000),
  feature: 'amount',
  feature_type: 'numerical',
  metric: 'psi',
  value,
  drifted: value > 0.2 ? 1 : 0,
  n_reference: 1000,
  n_current: 500,
  reference: 'baseline:*',
  version: 1,
})

describe('the embedded engine over HTTP', () => {
  it("vigil's own code as the writer: migrations, idempotent inserts and its named queries", async () => {
    const remote = await connectClickHouse({
      url: base,
      username: WRITER.name,
      password: WRITER.password,
      database: 'served',
      data_dir: '/nonexistent',
    })
    try {
      expect(remote.kind).toBe('server')
      expect(remote.serverVersion).toBe(engine.serverVersion)
      // Migrations through the served engine (a process of its own would run them): a no-op here.
      expect((await migrate(remote)).applied).toEqual([])
      const rows = [row(0, 0.05), row(1, 0.4)]
      await insertRows(remote, DRIFT_WINDOWS, rows, { dedupToken: 'served-1' })
      await insertRows(remote, DRIFT_WINDOWS, rows, { dedupToken: 'served-1' })
      const [n] = await queryRows<{ n: string }>(
        remote,
        'SELECT count() AS n FROM {db:Identifier}.drift_windows',
      )
      expect(Number(n?.n)).toBe(2)
      const page = await queryWindows(remote, 'drift', {
        model: 'fraud',
        subjects: { feature: 'amount' },
        limit: 10,
      })
      expect(page.data.map((r) => [r.window_start, r.value, r.drifted])).toEqual([
        ['2026-11-24T08:00:00.000Z', 0.05, false],
        ['2026-11-24T09:00:00.000Z', 0.4, true],
      ])
      // The same rows as the engine itself reads.
      expect((await queryWindows(engine, 'drift', { model: 'fraud', subjects: {}, limit: 10 })).data).toEqual(
        page.data,
      )
    } finally {
      await remote.close()
    }
  })

  it('the read-only user reads under limits and cannot write; a wrong password is refused', async () => {
    const reader = createClient({
      url: base,
      username: READER.name,
      password: READER.password,
      database: 'served',
    })
    const writerAsReader = createClient({
      url: base,
      username: READER.name,
      password: 'wrong',
      database: 'served',
    })
    try {
      const rs = await reader.query({
        query:
          'SELECT feature, max(value) AS worst FROM drift_windows WHERE model_id = {m:String} GROUP BY feature',
        query_params: { m: 'fraud' },
        format: 'JSONEachRow',
      })
      expect(await rs.json()).toEqual([{ feature: 'amount', worst: 0.4 }])
      const many = await reader.query({ query: 'SELECT number FROM numbers(1000)', format: 'JSONEachRow' })
      expect(await many.json()).toHaveLength(101)
      await expect(
        reader.command({ query: "INSERT INTO drift_windows (model_id) VALUES ('x')" }),
      ).rejects.toMatchObject({ code: '164', type: 'READONLY' })
      await expect(writerAsReader.query({ query: 'SELECT 1' })).rejects.toMatchObject({
        code: '516',
        type: 'AUTHENTICATION_FAILED',
      })
    } finally {
      await reader.close()
      await writerAsReader.close()
    }
  })

  it('plain HTTP: /ping, GET with parameters, Basic auth, gzip, the summary and ClickHouse errors', async () => {
    expect(await (await fetch(`${base}/ping`)).text()).toBe('Ok.\n')
    const basic = `Basic ${Buffer.from(`${READER.name}:${READER.password}`).toString('base64')}`
    const url = `${base}/?query=${encodeURIComponent('SELECT {x:UInt32} + 1 AS y')}&param_x=41&default_format=JSONCompact&enable_http_compression=1`
    const res = await fetch(url, { headers: { authorization: basic, 'accept-encoding': 'gzip' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONCompact')
    expect(JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}')).toHaveProperty('read_rows')
    expect((await res.json()) as { data: unknown[] }).toMatchObject({ data: [[42]] })
    const gz = await fetch(url, { headers: { authorization: basic, 'accept-encoding': 'gzip' } })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    const bad = await fetch(`${base}/?query=${encodeURIComponent('SELECT nope FROM nowhere')}`, {
      headers: { 'x-clickhouse-user': READER.name, 'x-clickhouse-key': READER.password },
    })
    expect(bad.status).toBe(500)
    expect(bad.headers.get('x-clickhouse-exception-code')).toBe('60')
    expect(await bad.text()).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version /)
    const posted = await fetch(`${base}/?user=${WRITER.name}&password=${WRITER.password}`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: new Uint8Array(gzipSync('SELECT 7 AS seven FORMAT TSV')),
    })
    expect(await posted.text()).toBe('7\n')
  })

  it('the read-only user reads no files or URLs of the engine host', async () => {
    const reader = createClient({ url: base, username: READER.name, password: READER.password })
    try {
      for (const query of [
        "SELECT * FROM file('/etc/passwd', 'LineAsString')",
        "SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString')",
        "SELECT * FROM s3('http://127.0.0.1:9/b/k', 'LineAsString')",
      ]) {
        const refused = await reader.query({ query, format: 'JSONEachRow' }).then(
          () => undefined,
          (err: { type?: string; message?: string }) => err,
        )
        expect(refused, query).toBeDefined()
        expect(refused?.message ?? '', query).not.toMatch(/root:/)
      }
    } finally {
      await reader.close()
    }
  })

  it('a client that goes away mid-query does not wedge the engine', { timeout: 30_000 }, async () => {
    const reader = createClient({ url: base, username: READER.name, password: READER.password })
    try {
      // A query of several seconds (within the user's 5 s limit), abandoned after 200 ms.
      const abort = new AbortController()
      const slow = reader.query({
        query: 'SELECT count() FROM numbers(10000000000) WHERE sipHash64(number) = 0',
        format: 'JSONEachRow',
        abort_signal: abort.signal,
      })
      setTimeout(() => abort.abort(), 200)
      await expect(slow).rejects.toThrow()
      // The engine still answers (the test's own time limit catches a wedged one).
      const rs = await reader.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })
      expect(await rs.json()).toEqual([{ one: 1 }])
    } finally {
      await reader.close()
    }
  })
})
