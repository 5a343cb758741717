import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { ClickHouse } from '../client.js'
import { checkReadOnlySql, limitedStatement, type SqlLimits } from '../sql/readonly.js'
import { ERROR, errorBody, type HttpQuery, readHttpQuery, splitFormat, summaryHeader } from './protocol.js'

export interface ServedUser {
  name: string
  password: string
  /** Reads only, under the limits; else anything the engine runs (vigil's own processes). */
  readonly: boolean
}

export interface ServeOptions {
  host: string
  port: number
  users: readonly ServedUser[]
  /** The read-only users' limits (`api.sql`). */
  limits: SqlLimits
  /** Largest request body; a bigger one is refused before it is read whole. */
  maxBodyBytes?: number
  onError?: (err: unknown) => void
}

export interface ServedEngine {
  port: number
  close(): Promise<void>
}

class Refused extends Error {
  constructor(
    readonly e: { code: number; type: string; status: number },
    message: string,
  ) {
    super(message)
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest()

const CONTENT_TYPES: [RegExp, string][] = [
  [/^JSON/, 'application/json; charset=UTF-8'],
  [/^(TabSeparated|TSV)/, 'text/tab-separated-values; charset=UTF-8'],
  [/^CSV/, 'text/csv; charset=UTF-8'],
  [/^(Native|RowBinary|Parquet|Arrow)/, 'application/octet-stream'],
]

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max)
      throw new Refused({ ...ERROR.UNKNOWN_EXCEPTION, status: 413 }, `the request body is over ${max} bytes`)
    chunks.push(chunk as Buffer)
  }
  const raw = Buffer.concat(chunks)
  const encoding = req.headers['content-encoding']
  if (encoding === 'gzip') return gunzipSync(raw).toString('utf8')
  if (encoding !== undefined && encoding !== 'identity')
    throw new Refused(
      ERROR.UNKNOWN_EXCEPTION,
      `Content-Encoding ${encoding} is not supported here: send gzip or none`,
    )
  return raw.toString('utf8')
}

/**
 * The embedded engine on ClickHouse's HTTP interface, the subset real clients use: `GET`/`POST /`
 * with the SQL, `param_*`, settings and `default_format` as URL parameters, gzip both ways,
 * `X-ClickHouse-User`/`-Key` or Basic credentials, `X-ClickHouse-Summary`, `/ping`, and errors as
 * ClickHouse writes them (`X-ClickHouse-Exception-Code`). A read-only user's statement is checked
 * and wrapped like the API's SQL (one read, vigil's row, time, memory and thread limits, its
 * settings ignored); a writer's goes to the engine as sent, as vigil's services' own queries do.
 */
export async function serveClickHouse(ch: ClickHouse, options: ServeOptions): Promise<ServedEngine> {
  if (ch.kind !== 'embedded')
    throw new Error('clickhouse.serve serves the embedded engine; with CLICKHOUSE_URL set, use that server')
  const users = options.users.map((u) => ({ ...u, digest: digest(u.password) }))
  const maxBody = options.maxBodyBytes ?? 256 * 1024 * 1024
  const [tz] = await (
    await ch.client.query({ query: 'SELECT timezone() AS tz', format: 'JSONEachRow' })
  ).json<{
    tz: string
  }>()
  const timezone = tz?.tz ?? 'UTC'
  // Clients' unqualified table names are vigil's tables (every vigil query names its database).
  await ch.client.command({ query: 'USE {db:Identifier}', query_params: { db: ch.database } })

  function authenticate(q: HttpQuery): ServedUser {
    const presented = digest(q.password)
    let found: ServedUser | undefined
    for (const u of users) if (timingSafeEqual(presented, u.digest) && u.name === q.user && !found) found = u
    if (!found)
      throw new Refused(
        ERROR.AUTHENTICATION_FAILED,
        `${q.user}: Authentication failed: password is incorrect, or there is no user with such name`,
      )
    return found
  }

  async function run(q: HttpQuery, user: ServedUser) {
    if (q.database !== undefined && q.database !== ch.database && q.database !== 'default')
      throw new Refused(
        ERROR.UNKNOWN_DATABASE,
        `Database ${q.database} does not exist here: this engine serves ${ch.database}`,
      )
    let query = q.sql
    let format = q.format ?? 'TabSeparated'
    const settings: Record<string, string> = {}
    if (user.readonly) {
      const split = splitFormat(q.sql)
      const checked = checkReadOnlySql(split.statement)
      if (!checked.ok) throw new Refused(ERROR.READONLY, `${q.user} is read-only: ${checked.reason}`)
      query = limitedStatement(checked, options.limits)
      format = split.format ?? format
    } else Object.assign(settings, q.settings)
    const result = await ch.client.exec({
      query,
      ...(Object.keys(q.params).length ? { query_params: q.params } : {}),
      // Any format the engine knows, as a server takes it; the client types a narrower list.
      clickhouse_settings: { ...settings, default_format: format as 'JSON' },
      ...(q.queryId ? { query_id: q.queryId } : {}),
    })
    const chunks: Buffer[] = []
    for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Uint8Array))
    return { body: Buffer.concat(chunks), format, summary: result.summary ?? {}, queryId: result.query_id }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://engine')
    res.setHeader('X-ClickHouse-Server-Display-Name', 'vigil')
    res.setHeader('X-ClickHouse-Timezone', timezone)
    if (
      url.pathname === '/ping' ||
      (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))
    ) {
      res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' }).end('Ok.\n')
      return
    }
    try {
      if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'POST'))
        throw new Refused(
          { ...ERROR.UNKNOWN_EXCEPTION, status: 404 },
          `no handler for ${req.method} ${url.pathname}`,
        )
      const body = req.method === 'POST' ? await readBody(req, maxBody) : ''
      const q = readHttpQuery(url, (n) => [req.headers[n]].flat()[0], body)
      const user = authenticate(q)
      if (q.sql.trim() === '') throw new Refused(ERROR.SYNTAX_ERROR, 'Empty query')
      if (
        req.method === 'GET' &&
        !user.readonly &&
        !/^\s*(SELECT|WITH|SHOW|DESC|DESCRIBE|EXISTS)\b/i.test(q.sql)
      )
        throw new Refused(ERROR.READONLY, 'Cannot modify data in a GET request: use POST')
      const out = await run(q, user)
      const gzip = q.gzipResponse && out.body.length > 0
      res.writeHead(200, {
        'content-type': CONTENT_TYPES.find(([re]) => re.test(out.format))?.[1] ?? 'text/plain; charset=UTF-8',
        'X-ClickHouse-Format': out.format,
        'X-ClickHouse-Query-Id': out.queryId,
        'X-ClickHouse-Summary': summaryHeader(out.summary),
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      })
      res.end(gzip ? gzipSync(out.body) : out.body)
    } catch (err) {
      const e = err as Error & { code?: string; type?: string }
      const known =
        err instanceof Refused
          ? err.e
          : e.code !== undefined && /^\d+$/.test(e.code) && e.type
            ? { code: Number(e.code), type: e.type, status: 500 }
            : undefined
      if (!known) options.onError?.(err)
      const { code, type, status } = known ?? ERROR.UNKNOWN_EXCEPTION
      res.writeHead(status, {
        'content-type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(code),
      })
      res.end(errorBody(code, type, e.message, ch.serverVersion))
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err)
      res.destroy()
    })
  })
  // Below clients' idle socket timeouts (clickhouse-js 2.5 s), as a server's keep_alive_timeout is.
  server.keepAliveTimeout = 3000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
