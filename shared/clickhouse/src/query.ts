import { Counter, Histogram, type Registry } from '@vigil/observability'
import type { z } from 'zod'
import type { ClickHouse } from './client.js'
import { fromClickHouseTime, queryRows } from './insert.js'

/**
 * A named query of one table family: its SQL (with `{name:Type}` parameters), built from a
 * filter, and the zod schema of the rows it returns as vigil's code and the API see them. The
 * name tags the query metric. The only text a `build` splices into SQL is column and table names
 * of its own module; every value travels as a parameter.
 */
export interface NamedQuery<F, S extends z.ZodType> {
  name: string
  build(filter: F): { sql: string; params?: Record<string, unknown> }
  /** The row as returned: ISO times, numbers for counts (ClickHouse sends UInt64 as text). */
  row: S
  /** Columns converted before the row is checked: DateTime64 → ISO text, UInt64 → number, 0/1 → boolean. */
  decode?: ColumnDecoding
  /**
   * A read of many uniform rows (a window's outcomes, a reference sample): only the first row is
   * checked against the schema, which catches a column or type that drifted, without parsing
   * hundreds of thousands of rows on a hot path. The schema must not transform values.
   */
  bulk?: boolean
}

export interface ColumnDecoding {
  times?: readonly string[]
  counts?: readonly string[]
  booleans?: readonly string[]
}

/** Declares a query; the identity function, for the types. */
export function defineQuery<F, S extends z.ZodType>(q: NamedQuery<F, S>): NamedQuery<F, S> {
  return q
}

/** A query returned rows that are not what its schema says: a bug or a schema drift, named. */
export class QueryRowError extends Error {
  constructor(name: string, reason: string) {
    super(`query ${name}: a row does not fit its schema: ${reason}`)
    this.name = 'QueryRowError'
  }
}

/** Converts the columns a query names (DateTime64 → ISO text, UInt64 → number, 0/1 → boolean). */
function decodeColumns(row: Record<string, unknown>, d: ColumnDecoding): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row }
  for (const c of d.times ?? [])
    if (out[c] !== null && out[c] !== undefined)
      out[c] = new Date(fromClickHouseTime(String(out[c]))).toISOString()
  for (const c of d.counts ?? []) if (out[c] !== null && out[c] !== undefined) out[c] = Number(out[c])
  for (const c of d.booleans ?? []) if (out[c] !== null && out[c] !== undefined) out[c] = Number(out[c]) === 1
  return out
}

/**
 * Runs a named query and returns its rows, decoded and checked against the query's schema, and
 * records its duration and row count under its name (`vigil_clickhouse_query_*` on /metrics).
 * @example const rows = await runQuery(ch, alertsQuery, { status: 'firing' })
 */
export async function runQuery<F, S extends z.ZodType>(
  ch: ClickHouse,
  query: NamedQuery<F, S>,
  filter: F,
): Promise<z.output<S>[]> {
  const started = performance.now()
  const { sql, params } = query.build(filter)
  let outcome = 'error'
  try {
    const raw = await queryRows<Record<string, unknown>>(ch, sql, params)
    const check = (row: Record<string, unknown>) => {
      const parsed = query.row.safeParse(row)
      if (!parsed.success) throw new QueryRowError(query.name, parsed.error.issues[0]?.message ?? 'invalid')
      return parsed.data as z.output<S>
    }
    const decoded = query.decode ? raw.map((r) => decodeColumns(r, query.decode!)) : raw
    const rows = query.bulk
      ? decoded.map((r, i) => (i === 0 ? check(r) : (r as z.output<S>)))
      : decoded.map(check)
    outcome = 'ok'
    ch.observe?.(query.name, rows.length)
    return rows
  } finally {
    ch.observeDuration?.(query.name, outcome, (performance.now() - started) / 1000)
  }
}

/**
 * Query metrics on a registry: what `startProcess` attaches to the process's ClickHouse, so
 * `/metrics` says which named query is slow or failing.
 */
export function attachQueryMetrics(ch: ClickHouse, registry: Registry): void {
  // A registry shared by several processes' worth of services (tests) keeps one set of metrics.
  const duration =
    (registry.getSingleMetric('vigil_clickhouse_query_duration_seconds') as Histogram<'query' | 'outcome'>) ??
    new Histogram({
      name: 'vigil_clickhouse_query_duration_seconds',
      help: 'Named ClickHouse queries (shared/clickhouse queries/*) and inserts (insert.<table>) by name and outcome',
      labelNames: ['query', 'outcome'],
      buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    })
  const rows =
    (registry.getSingleMetric('vigil_clickhouse_query_rows_total') as Counter<'query'>) ??
    new Counter({
      name: 'vigil_clickhouse_query_rows_total',
      help: 'Rows returned by named ClickHouse queries, and rows inserted (insert.<table>)',
      labelNames: ['query'],
      registers: [registry],
    })
  ch.observe = (query, n) => rows.inc({ query }, n)
  ch.observeDuration = (query, outcome, seconds) => duration.observe({ query, outcome }, seconds)
}
