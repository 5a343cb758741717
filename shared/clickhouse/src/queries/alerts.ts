import { z } from 'zod'
import type { ClickHouse } from '../client.js'
import { defineQuery, runQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'
import { conditions, firstRows, type Page } from './where.js'

// The alerts table family as it is read: `alerts` (state now) and `alert_history` (changes).

const iso = z.string().describe('ISO 8601, UTC')

/** An alert as it is now: one row per rule × model × version × subject. */
export const AlertRow = z.object({
  rule: z.string(),
  model_id: z.string(),
  model_version: z.string(),
  subject: z.string(),
  status: z.string().describe('inactive, pending or firing'),
  severity: z.string(),
  value: z.number().nullable(),
  last_window: iso,
  /** The firing episode's id; null while none has fired. */
  episode: z.string().nullable(),
  since: iso.nullable(),
  updated_at: iso,
})
export type AlertRow = z.output<typeof AlertRow>

export interface AlertFilter {
  status: 'active' | 'firing' | 'pending' | 'all'
  model?: string
  rule?: string
  severity?: string
}

const alertsQuery = defineQuery({
  name: 'alerts.current',
  row: AlertRow,
  decode: { times: ['last_window', 'since', 'updated_at'] },
  build(f: AlertFilter) {
    const c = conditions()
    if (f.status === 'active') c.list.push("status IN ('pending', 'firing')")
    else if (f.status !== 'all') c.eq('status', f.status)
    c.eq('model_id', f.model)
    c.eq('rule', f.rule)
    c.eq('severity', f.severity)
    return {
      sql: `SELECT rule, model_id, model_version, subject, status, severity, value, window_start AS last_window,
                   nullIf(episode, '') AS episode, since, updated_at
            FROM {db:Identifier}.alerts FINAL ${c.where()}
            ORDER BY status = 'firing' DESC, severity, rule, model_id, model_version, subject`,
      params: c.params,
    }
  },
})

/** Alerts as they are now. */
export function queryAlerts(ch: ClickHouse, f: AlertFilter): Promise<AlertRow[]> {
  return runQuery(ch, alertsQuery, f)
}

/** One alert state change. */
export const AlertHistoryRow = z.object({
  window_start: iso,
  window_end: iso,
  rule: z.string(),
  model_id: z.string(),
  model_version: z.string(),
  subject: z.string(),
  transition: z.string(),
  status: z.string(),
  severity: z.string(),
  value: z.number().nullable(),
  episode: z.string(),
  recorded_at: iso,
})
export type AlertHistoryRow = z.output<typeof AlertHistoryRow>

export interface HistoryFilter {
  model?: string
  rule?: string
  episode?: string
  from?: number
  to?: number
  limit: number
}

const alertHistoryQuery = defineQuery({
  name: 'alerts.history',
  row: AlertHistoryRow,
  decode: { times: ['window_start', 'window_end', 'recorded_at'] },
  build(f: HistoryFilter) {
    const c = conditions({ limit: f.limit + 1 })
    c.eq('model_id', f.model)
    c.eq('rule', f.rule)
    c.eq('episode', f.episode)
    c.range('window_start', f.from, f.to)
    return {
      sql: `SELECT window_start, window_end, rule, model_id, model_version, subject, transition, status, severity,
                   value, episode, recorded_at
            FROM {db:Identifier}.alert_history FINAL ${c.where()}
            ORDER BY window_start DESC, rule, model_id, subject, transition
            LIMIT {limit:UInt32}`,
      params: c.params,
    }
  },
})

/** Alert state changes, newest window first. */
export async function queryAlertHistory(ch: ClickHouse, f: HistoryFilter): Promise<Page<AlertHistoryRow>> {
  return firstRows(await runQuery(ch, alertHistoryQuery, f), f.limit)
}

/** Alert state now (ReplacingMergeTree by seq; updated_at has a default). */
export const ALERTS = defineTable(
  'alerts',
  z.object({
    alert_key: c.string,
    rule: c.string,
    model_id: c.string,
    model_version: c.string,
    subject: c.string,
    status: c.string,
    severity: c.string,
    value: c.nullableFloat,
    window_start: c.time,
    episode: c.string,
    since: c.time.nullable(),
    /** The rules service's whole AlertState as JSON: what a restart resumes from. */
    state: c.string,
    seq: c.uint64,
  }),
)

/** Every alert state change (recorded_at has a default). */
export const ALERT_HISTORY = defineTable(
  'alert_history',
  z.object({
    alert_key: c.string,
    rule: c.string,
    model_id: c.string,
    model_version: c.string,
    subject: c.string,
    transition: c.string,
    status: c.string,
    severity: c.string,
    value: c.nullableFloat,
    episode: c.string,
    window_start: c.time,
    window_end: c.time,
  }),
)

/** When each retraining webhook last fired per model version. */
export const RETRAINS = defineTable(
  'retrains',
  z.object({
    webhook: c.string,
    model_id: c.string,
    model_version: c.string,
    last_at: c.time,
    notification_id: c.string,
  }),
)

/** Every alert's stored state, as the rules service wrote it. */
export const alertStatesQuery = defineQuery({
  name: 'alerts.states',
  row: z.object({ alert_key: z.string(), state: z.string() }),
  build: () => ({ sql: 'SELECT alert_key, state FROM {db:Identifier}.alerts FINAL' }),
})

export const retrainsQuery = defineQuery({
  name: 'retrains.last',
  row: z.object({
    webhook: z.string(),
    model_id: z.string(),
    model_version: z.string(),
    last_at: z.string(),
  }),
  build: () => ({
    sql: 'SELECT webhook, model_id, model_version, last_at FROM {db:Identifier}.retrains FINAL',
  }),
})
