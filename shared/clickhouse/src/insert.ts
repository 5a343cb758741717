import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { ClickHouse } from './client.js'
import type { TableDef } from './table.js'

/**
 * Inserts rows into a table (its definition names it, lists its columns and types the rows) as
 * JSONCompactEachRow, each row an array in the definition's column order. `dedupToken` makes the
 * insert idempotent: ClickHouse drops a block whose token it has seen (tables set
 * non_replicated_deduplication_window); without one, the insert is not deduplicated at all.
 *
 * Why compact rows, and for the embedded engine the settings in the statement (measured on
 * 100,000 drift_windows rows, docs/architecture.md "Inserts"): arrays halve the bytes encoded,
 * copied and parsed (insert 1.5-1.7 s → 0.5-0.6 s with the encoding); and the embedded
 * connection turns `clickhouse_settings` into `SET …;` statements in front of the insert, whose
 * multi-statement split scans the whole body (+0.3-0.6 s), besides outliving the query. A
 * server gets the settings as URL parameters, as every client sends them.
 */
export async function insertRows<Row extends object>(
  ch: ClickHouse,
  table: TableDef<Row>,
  rows: readonly Row[],
  options: { dedupToken?: string } = {},
): Promise<void> {
  if (rows.length === 0) return
  const started = performance.now()
  let outcome = 'error'
  try {
    const columns = columnsOf(table)
    const token = options.dedupToken ?? ''
    // Without a token, no deduplication at all (not by the block's hash either).
    const deduplicate = token === '' ? 0 : 1
    if (ch.kind === 'embedded') {
      // The embedded engine (ClickHouse 26) also has deduplicate_insert, which overrides
      // insert_deduplicate and is on by default.
      const settings = `insert_deduplicate = ${deduplicate}, deduplicate_insert = '${deduplicate ? 'enable' : 'disable'}', deduplicate_blocks_in_dependent_materialized_views = ${deduplicate}, insert_deduplication_token = {token:String}`
      const result = await ch.client.exec({
        query: `INSERT INTO {db:Identifier}.{table:Identifier} (${columns.quoted.join(', ')}) SETTINGS ${settings} FORMAT JSONCompactEachRow`,
        query_params: { db: ch.database, table: table.name, token },
        values: Readable.from([compactRows(rows, columns.names)]),
      })
      result.stream.destroy()
    } else {
      await ch.client.insert({
        table: `${ch.database}.${table.name}`,
        values: rows.map((r) => columns.names.map((c) => (r as Record<string, unknown>)[c])),
        format: 'JSONCompactEachRow',
        columns: columns.quoted as [string, ...string[]],
        // A Null table's views (migration 013) deduplicate the blocks they write by the token too.
        clickhouse_settings: {
          insert_deduplicate: deduplicate,
          deduplicate_blocks_in_dependent_materialized_views: deduplicate,
          insert_deduplication_token: token,
        },
      })
    }
    outcome = 'ok'
    ch.observe?.(`insert.${table.name}`, rows.length)
  } finally {
    ch.observeDuration?.(`insert.${table.name}`, outcome, (performance.now() - started) / 1000)
  }
}

const columnLists = new WeakMap<TableDef<object>, { names: string[]; quoted: string[] }>()

/** A table's inserted columns, in its row schema's order, and back-quoted for SQL. */
function columnsOf(table: TableDef<object>): { names: string[]; quoted: string[] } {
  let list = columnLists.get(table)
  if (!list) {
    const names = Object.keys(table.row.shape)
    // Names come from vigil's own table definitions; anything else is a programming error.
    const odd = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(n))
    if (odd !== undefined)
      throw new Error(`table ${table.name}: column name ${JSON.stringify(odd)} is not an identifier`)
    list = { names, quoted: names.map((n) => `\`${n}\``) }
    columnLists.set(table, list)
  }
  return list
}

/** JSONCompactEachRow text: one array per row, values in `columns` order. */
function compactRows(rows: readonly object[], columns: readonly string[]): string {
  const lines = new Array<string>(rows.length)
  const values = new Array<unknown>(columns.length)
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Record<string, unknown>
    for (let c = 0; c < columns.length; c++) values[c] = r[columns[c]!]
    lines[i] = JSON.stringify(values)
  }
  return lines.join('\n')
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
