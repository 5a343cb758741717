import { type ClickHouseClient, createClient } from '@clickhouse/client'
import type { ClickHouse, ClickHouseOptions } from '../client.js'
import { type CheckedSql, checkReadOnlySql, limitedStatement, type SqlLimits } from './readonly.js'

export interface SqlResult {
  columns: { name: string; type: string }[]
  rows: Record<string, unknown>[]
  /** More rows matched than `max_rows`; `rows` holds the first `max_rows`. */
  truncated: boolean
  elapsed_ms: number
}

/** The query itself is at fault (refused, or ClickHouse rejected it): a 400, not an outage. */
export class SqlQueryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SqlQueryError'
  }
}

export interface SqlRunner {
  run(sql: string): Promise<SqlResult>
  close(): Promise<void>
}

/**
 * Runs analysts' read-only SQL in vigil's database, so `SELECT * FROM predictions` needs no
 * database name. Embedded: a `USE` on the process's one engine session (every vigil query names
 * its database, so nothing else depends on the current one). Server: a client of its own whose
 * requests carry the database.
 */
export async function createSqlRunner(
  ch: ClickHouse,
  options: Pick<ClickHouseOptions, 'url' | 'username' | 'password' | 'request_timeout_ms'>,
  limits: SqlLimits,
): Promise<SqlRunner> {
  let client: ClickHouseClient = ch.client
  let own: ClickHouseClient | undefined
  if (ch.kind === 'embedded') {
    await ch.client.command({ query: 'USE {db:Identifier}', query_params: { db: ch.database } })
  } else {
    own = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database: ch.database,
      request_timeout: Math.max(options.request_timeout_ms ?? 30_000, (limits.max_seconds + 5) * 1000),
      keep_alive: { idle_socket_ttl: 2500 },
    })
    client = own
  }
  return {
    async run(sql) {
      const checked: CheckedSql = checkReadOnlySql(sql)
      if (!checked.ok) throw new SqlQueryError(checked.reason)
      const started = performance.now()
      let body: { meta?: { name: string; type: string }[]; data: Record<string, unknown>[] }
      try {
        const rs = await client.query({ query: limitedStatement(checked, limits), format: 'JSON' })
        body = await rs.json<Record<string, unknown>>()
      } catch (err) {
        // ClickHouse's own refusals (syntax, unknown table, readonly, timeout, memory) carry a code.
        const e = err as Error & { code?: string; type?: string }
        if (e.code !== undefined && /^\d+$/.test(e.code))
          throw new SqlQueryError(`ClickHouse: ${e.message.trim()}`)
        throw err
      }
      return {
        columns: (body.meta ?? []).map((m) => ({ name: m.name, type: m.type })),
        rows: body.data.slice(0, limits.max_rows),
        truncated: body.data.length > limits.max_rows,
        elapsed_ms: Math.round(performance.now() - started),
      }
    },
    close: async () => {
      await own?.close()
    },
  }
}
