import { createHash } from 'node:crypto'
import type { ClickHouse } from './client.js'
import type { TableDef } from './table.js'

/**
 * Inserts rows into a table (its definition names it and types the rows) as JSONEachRow.
 * `dedupToken` makes the insert idempotent: ClickHouse drops a block whose token it has seen
 * (tables set non_replicated_deduplication_window). TRICKY: the embedded engine applies settings
 * as session-level `SET`s that outlive the query, so every insert sets the token explicitly,
 * to '' (no deduplication by token) when the caller has none.
 */
export async function insertRows<Row extends object>(
  ch: ClickHouse,
  { name: table }: TableDef<Row>,
  rows: readonly Row[],
  options: { dedupToken?: string } = {},
): Promise<void> {
  if (rows.length === 0) return
  const started = performance.now()
  let outcome = 'error'
  try {
    await ch.client.insert({
      table: `${ch.database}.${table}`,
      values: rows as unknown as object[],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: options.dedupToken ?? '' },
    })
    outcome = 'ok'
    ch.observe?.(`insert.${table}`, rows.length)
  } finally {
    ch.observeDuration?.(`insert.${table}`, outcome, (performance.now() - started) / 1000)
  }
}

/** A deduplication token for an insert: a digest of the parts that identify its block. */
export function dedupToken(prefix: string, parts: readonly string[]): string {
  return `${prefix}-${createHash('sha1').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`
}

/**
 * Runs a SELECT with `{name:Type}` parameters (`db` is always bound) and returns its rows as they
 * come, unchecked: for tests and the migration runner. Vigil's code reads through named queries
 * (runQuery), which check rows against their schema and are recorded on /metrics.
 */
export async function queryRows<T>(
  ch: ClickHouse,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const rs = await ch.client.query({
    query,
    query_params: { db: ch.database, ...params },
    format: 'JSONEachRow',
  })
  return rs.json<T>()
}

/** DateTime64(3) text in UTC (`2026-11-24 10:00:00.123`), which every server version parses. */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

/** The inverse of {@link toClickHouseTime}: a DateTime64 in UTC as returned in JSON → epoch ms. */
export function fromClickHouseTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`)
}
