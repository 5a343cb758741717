// ClickHouse's HTTP interface as real clients use it (clickhouse-connect, @clickhouse/client,
// DBeaver's JDBC driver, Grafana's data source), read into one request: who asks, the SQL, its
// parameters, settings and output format. Pure, so each rule of the protocol has a unit test.

/** URL parameters the interface itself reads; every other one is a setting. */
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'user',
  'password',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'quota_key',
  'add_http_cors_header',
  'enable_http_compression',
])

export interface HttpQuery {
  user: string
  password: string
  /** The SQL: the `query` parameter, then the body on the next line (an INSERT's rows), or the body alone. */
  sql: string
  database?: string
  /** `default_format`: the output format when the SQL names none. */
  format?: string
  /** `param_<name>` values, for `{name:Type}` in the SQL. */
  params: Record<string, string>
  settings: Record<string, string>
  queryId?: string
  /** `enable_http_compression=1` and the client takes gzip. */
  gzipResponse: boolean
}

/**
 * The request as ClickHouse reads it. Credentials: `X-ClickHouse-User`/`-Key`, else HTTP Basic,
 * else the `user`/`password` parameters; none is the user `default` with no password.
 */
export function readHttpQuery(
  url: URL,
  header: (name: string) => string | undefined,
  body: string,
): HttpQuery {
  const q = url.searchParams
  let user = header('x-clickhouse-user')
  let password = header('x-clickhouse-key')
  const basic = /^Basic\s+(\S+)$/i.exec(header('authorization') ?? '')?.[1]
  if (user === undefined && basic) {
    const text = Buffer.from(basic, 'base64').toString('utf8')
    const colon = text.indexOf(':')
    user = colon < 0 ? text : text.slice(0, colon)
    password = colon < 0 ? '' : text.slice(colon + 1)
  }
  user ??= q.get('user') ?? 'default'
  password ??= q.get('password') ?? ''
  const params: Record<string, string> = {}
  const settings: Record<string, string> = {}
  for (const [k, v] of q) {
    if (k.startsWith('param_')) params[k.slice('param_'.length)] = v
    else if (!RESERVED.has(k)) settings[k] = v
  }
  const inUrl = q.get('query')
  const sql = inUrl === null ? body : body.length > 0 ? `${inUrl}\n${body}` : inUrl
  const database = q.get('database') ?? header('x-clickhouse-database')
  const format = q.get('default_format') ?? header('x-clickhouse-format')
  const queryId = q.get('query_id')
  return {
    user,
    password,
    sql,
    ...(database ? { database } : {}),
    ...(format ? { format } : {}),
    params,
    settings,
    ...(queryId ? { queryId } : {}),
    gzipResponse:
      q.get('enable_http_compression') === '1' && /\bgzip\b/.test(header('accept-encoding') ?? ''),
  }
}

/**
 * A trailing `FORMAT <name>` taken off a statement (clients append one to every read), so the
 * statement can be checked and wrapped and the format given to the engine instead.
 */
export function splitFormat(sql: string): { statement: string; format?: string } {
  const m = /\s+FORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i.exec(sql)
  if (!m?.[1]) return { statement: sql }
  return { statement: sql.slice(0, m.index), format: m[1] }
}

/** ClickHouse's error codes the interface answers with itself. */
export const ERROR = {
  SYNTAX_ERROR: { code: 62, type: 'SYNTAX_ERROR', status: 400 },
  UNKNOWN_DATABASE: { code: 81, type: 'UNKNOWN_DATABASE', status: 404 },
  READONLY: { code: 164, type: 'READONLY', status: 403 },
  AUTHENTICATION_FAILED: { code: 516, type: 'AUTHENTICATION_FAILED', status: 403 },
  UNKNOWN_EXCEPTION: { code: 1002, type: 'UNKNOWN_EXCEPTION', status: 500 },
} as const

/** An error body as ClickHouse writes it, which clients parse for its code and type. */
export function errorBody(code: number | string, type: string, message: string, version: string): string {
  return `Code: ${code}. DB::Exception: ${message.replace(/\s+$/, '')} (${type}) (version ${version})\n`
}

/** `X-ClickHouse-Summary`: numbers as text, as the server sends them. */
export function summaryHeader(s: {
  read_rows?: number | string
  read_bytes?: number | string
  written_rows?: number | string
  written_bytes?: number | string
  elapsed_ns?: number | string
}): string {
  const text = (v: number | string | undefined) => String(v ?? 0)
  return JSON.stringify({
    read_rows: text(s.read_rows),
    read_bytes: text(s.read_bytes),
    written_rows: text(s.written_rows),
    written_bytes: text(s.written_bytes),
    total_rows_to_read: text(s.read_rows),
    result_rows: '0',
    result_bytes: '0',
    elapsed_ns: text(s.elapsed_ns),
  })
}
