import { type ClickHouse, fromClickHouseTime, queryRows, toClickHouseTime } from '@vigil/clickhouse'

/**
 * The API's reads. Every value from a request is a query parameter; the only text spliced into
 * SQL is column and table names from the fixed descriptions below.
 */

/** Rows of the window tables as the API returns them: ISO times, numbers for UInt64 counts. */
export type ApiRow = Record<string, unknown>

const ISO = (t: string) => new Date(fromClickHouseTime(t)).toISOString()

/** ClickHouse returns UInt64 as text in JSON; these columns are counts and versions. */
function convert(row: Record<string, unknown>, times: readonly string[], counts: readonly string[]): ApiRow {
  const out: ApiRow = {}
  for (const [k, v] of Object.entries(row)) {
    if (v === null) out[k] = null
    else if (times.includes(k)) out[k] = ISO(String(v))
    else if (counts.includes(k)) out[k] = Number(v)
    else out[k] = v
  }
  return out
}

/**
 * WHERE conditions with their parameters. Column names come from this module's code only;
 * values always travel as parameters, named after the column.
 */
function conditions(params: Record<string, unknown> = {}) {
  const list: string[] = []
  return {
    params,
    list,
    eq(column: string, value: string | undefined) {
      if (value === undefined) return
      list.push(`${column} = {${column}:String}`)
      params[column] = value
    },
    /** `[from, to)` on a DateTime64 column; either end may be open. */
    range(column: string, from: number | undefined, to: number | undefined) {
      if (from !== undefined) {
        list.push(`${column} >= {from:DateTime64(3)}`)
        params.from = toClickHouseTime(from)
      }
      if (to !== undefined) {
        list.push(`${column} < {to:DateTime64(3)}`)
        params.to = toClickHouseTime(to)
      }
    },
    where: (extra: string[] = []) => {
      const all = [...list, ...extra]
      return all.length ? `WHERE ${all.join(' AND ')}` : ''
    },
  }
}

/** A list as the API answers it: `truncated` says more rows matched than the limit. */
export interface Page {
  data: ApiRow[]
  truncated: boolean
}

/** Rows fetched with `LIMIT limit + 1`: the first `limit`, converted, and whether there were more. */
function firstRows(
  rows: Record<string, unknown>[],
  limit: number,
  toRow: (r: Record<string, unknown>) => ApiRow,
): Page {
  return { data: rows.slice(0, limit).map(toRow), truncated: rows.length > limit }
}

export interface WindowFamily {
  table: string
  /** Columns that say what a row is about, in sort order, each filterable by a query parameter. */
  subjects: readonly string[]
  /** Value columns after `metric`. */
  values: readonly string[]
  counts: readonly string[]
  booleans?: readonly string[]
}

export const WINDOW_FAMILIES = {
  drift: {
    table: 'drift_windows',
    subjects: ['feature'],
    values: ['feature_type', 'value', 'drifted', 'n_reference', 'n_current', 'reference'],
    counts: ['n_reference', 'n_current', 'version'],
    booleans: ['drifted'],
  },
  quality: { table: 'quality_windows', subjects: ['feature'], values: ['value'], counts: ['version'] },
  performance: {
    table: 'performance_windows',
    subjects: ['class'],
    values: ['task', 'value', 'n_predictions', 'n_labelled', 'label_coverage'],
    counts: ['n_predictions', 'n_labelled', 'version'],
  },
  fairness: {
    table: 'fairness_windows',
    subjects: ['attribute', 'group'],
    values: ['reference_group', 'value', 'n', 'n_labelled'],
    counts: ['n', 'n_labelled', 'version'],
  },
} as const satisfies Record<string, WindowFamily>

export type WindowFamilyName = keyof typeof WINDOW_FAMILIES

export interface WindowFilter {
  model?: string
  version?: string
  metric?: string
  /** Window start at or after (epoch ms). */
  from?: number
  /** Window start before (epoch ms). */
  to?: number
  /** Subject columns of the family (feature, class, attribute, group). */
  subjects: Record<string, string | undefined>
  limit: number
}

/**
 * Windows of one family, only the latest version of each window: a window re-published with
 * more labels replaces its earlier rows, also rows the newer version no longer has.
 */
export async function queryWindows(ch: ClickHouse, family: WindowFamilyName, f: WindowFilter): Promise<Page> {
  const d: WindowFamily = WINDOW_FAMILIES[family]
  // The window's scope picks the latest version; the row filter then picks rows of that version.
  const scope = conditions({ table: d.table, limit: f.limit + 1 })
  scope.eq('model_id', f.model)
  scope.eq('model_version', f.version)
  scope.range('window_start', f.from, f.to)
  const rowFilter = conditions(scope.params)
  rowFilter.list.push(...scope.list)
  rowFilter.eq('metric', f.metric)
  for (const s of d.subjects) rowFilter.eq(s, f.subjects[s])
  const latest = `(model_id, model_version, window_start, version) IN (
      SELECT model_id, model_version, window_start, max(version)
      FROM {db:Identifier}.{table:Identifier} ${scope.where()}
      GROUP BY model_id, model_version, window_start)`
  const rows = await queryRows<Record<string, unknown>>(
    ch,
    `SELECT model_id, model_version, window_start, window_end, ${d.subjects.join(', ')}, metric,
            ${d.values.join(', ')}, version
     FROM {db:Identifier}.{table:Identifier} FINAL
     ${rowFilter.where([latest])}
     ORDER BY model_id, window_start, model_version, ${d.subjects.join(', ')}, metric
     LIMIT {limit:UInt32}`,
    scope.params,
  )
  return firstRows(rows, f.limit, (r) => {
    const row = convert(r, ['window_start', 'window_end'], d.counts)
    for (const b of d.booleans ?? []) row[b] = Number(row[b]) === 1
    return row
  })
}

export interface ModelSeen {
  model_id: string
  versions: string[]
  predictions: number
  labels: number
  first_event: string | null
  last_event: string | null
}

/** Models with recorded traffic: versions, event counts and the event-time range. */
export async function queryModels(ch: ClickHouse, model?: string): Promise<ModelSeen[]> {
  const rows = await queryRows<{
    model_id: string
    versions: string[]
    predictions: string
    labels: string
    first_event: string
    last_event: string
  }>(
    ch,
    `SELECT p.model_id AS model_id, p.versions AS versions, p.n AS predictions, ifNull(l.n, 0) AS labels,
            p.first_event AS first_event, p.last_event AS last_event
     FROM (SELECT model_id, arraySort(groupUniqArray(model_version)) AS versions, count() AS n,
                  min(event_time) AS first_event, max(event_time) AS last_event
           FROM {db:Identifier}.predictions ${model === undefined ? '' : 'WHERE model_id = {model:String}'}
           GROUP BY model_id) AS p
     LEFT JOIN (SELECT model_id, count() AS n FROM {db:Identifier}.labels GROUP BY model_id) AS l
       ON l.model_id = p.model_id
     ORDER BY model_id`,
    model === undefined ? {} : { model },
  )
  return rows.map((r) => ({
    model_id: r.model_id,
    versions: r.versions,
    predictions: Number(r.predictions),
    labels: Number(r.labels),
    first_event: ISO(r.first_event),
    last_event: ISO(r.last_event),
  }))
}

export interface AlertFilter {
  status: 'active' | 'firing' | 'pending' | 'all'
  model?: string
  rule?: string
  severity?: string
}

/** Alerts as they are now (one row per rule × model × version × subject). */
export async function queryAlerts(ch: ClickHouse, f: AlertFilter): Promise<ApiRow[]> {
  const c = conditions()
  if (f.status === 'active') c.list.push("status IN ('pending', 'firing')")
  else if (f.status !== 'all') c.eq('status', f.status)
  c.eq('model_id', f.model)
  c.eq('rule', f.rule)
  c.eq('severity', f.severity)
  const rows = await queryRows<Record<string, unknown>>(
    ch,
    `SELECT rule, model_id, model_version, subject, status, severity, value, window_start AS last_window,
            episode, since, updated_at
     FROM {db:Identifier}.alerts FINAL ${c.where()}
     ORDER BY status = 'firing' DESC, severity, rule, model_id, model_version, subject`,
    c.params,
  )
  return rows.map((r) => {
    const row = convert(r, ['last_window', 'since', 'updated_at'], [])
    if (row.episode === '') row.episode = null
    return row
  })
}

export interface HistoryFilter {
  model?: string
  rule?: string
  from?: number
  to?: number
  limit: number
}

/** Alert state changes, newest window first. */
export async function queryAlertHistory(ch: ClickHouse, f: HistoryFilter): Promise<Page> {
  const c = conditions({ limit: f.limit + 1 })
  c.eq('model_id', f.model)
  c.eq('rule', f.rule)
  c.range('window_start', f.from, f.to)
  const rows = await queryRows<Record<string, unknown>>(
    ch,
    `SELECT window_start, window_end, rule, model_id, model_version, subject, transition, status, severity,
            value, episode, recorded_at
     FROM {db:Identifier}.alert_history FINAL ${c.where()}
     ORDER BY window_start DESC, rule, model_id, subject, transition
     LIMIT {limit:UInt32}`,
    c.params,
  )
  return firstRows(rows, f.limit, (r) => convert(r, ['window_start', 'window_end', 'recorded_at'], []))
}

export interface NotificationFilter {
  status?: 'pending' | 'delivered' | 'failed'
  channel?: string
  model?: string
  limit: number
}

/** Notifications of the outbox and what became of them, newest first. */
export async function queryNotifications(ch: ClickHouse, f: NotificationFilter): Promise<Page> {
  const c = conditions({ limit: f.limit + 1 })
  c.eq('status', f.status)
  c.eq('channel', f.channel)
  c.eq('model_id', f.model)
  const rows = await queryRows<Record<string, unknown>>(
    ch,
    `SELECT id, channel, target, kind, model_id, window_start, status, attempts, last_error,
            created_at, updated_at, payload
     FROM {db:Identifier}.notifications FINAL ${c.where()}
     ORDER BY created_at DESC, id
     LIMIT {limit:UInt32}`,
    c.params,
  )
  return firstRows(rows, f.limit, (r) => {
    // The alerts the notification is about, without the per-target bookkeeping.
    const { payload, ...rest } = convert(r, ['window_start', 'created_at', 'updated_at'], ['attempts'])
    return { ...rest, alerts: (JSON.parse(String(payload)) as { alerts?: unknown[] }).alerts ?? [] }
  })
}
