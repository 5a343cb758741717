import {
  ALERT_HISTORY,
  ALERTS,
  alertStatesQuery,
  type ClickHouse,
  dedupToken,
  fromClickHouseTime as fromTime,
  insertRows,
  NOTIFICATIONS,
  notificationQuery,
  pendingNotificationsQuery,
  RETRAINS,
  retrainsQuery,
  runQuery,
  type OutboxRow as StoredOutboxRow,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { RowWrite, Write } from '@vigil/kafka'
import type { AlertState } from './steps/lifecycle.js'
import type { Notification } from './steps/plan.js'

/** Every alert's last state, by key. */
export async function loadAlerts(ch: ClickHouse): Promise<Map<string, AlertState>> {
  const rows = await runQuery(ch, alertStatesQuery, undefined)
  return new Map(rows.map((r) => [r.alert_key, JSON.parse(r.state) as AlertState]))
}

/**
 * Saves changed alert states. `seq` orders them: the window and its version, so replaying an
 * evaluation writes an identical row (deduplicated) and never undoes a newer one.
 */
export function alertsWrite(states: readonly { state: AlertState; severity: string }[]): Write {
  const rows = states.map(({ state: s, severity }) => ({
    alert_key: s.key,
    rule: s.rule,
    model_id: s.modelId,
    model_version: s.modelVersion,
    subject: s.subject,
    status: s.status,
    severity,
    value: s.value,
    window_start: toClickHouseTime(s.lastWindowStart),
    episode: s.episode ?? '',
    since: s.since === null ? null : toClickHouseTime(s.since),
    // JSON has no -Infinity; an alert that never judged a window is not saved anyway.
    state: JSON.stringify(s),
    seq: (BigInt(s.lastWindowStart) * 1000n + BigInt(Math.min(s.lastVersion, 999))).toString(),
  }))
  return {
    table: ALERTS,
    rows,
    dedupToken: dedupToken(
      'alerts',
      rows.map((r) => `${r.alert_key}@${r.seq}`),
    ),
  }
}

/** The vigil.alerts events of a batch, also kept in ClickHouse for the API's history. */
export function historyWrite(
  events: readonly {
    alert_key: string
    rule: string
    model_id: string
    model_version: string
    subject: string
    transition: string
    status: string
    severity: string
    value: number | null
    episode: string | null
    window_start: string
    window_end: string
  }[],
): Write {
  const rows = events.map((e) => ({
    ...e,
    episode: e.episode ?? '',
    window_start: toClickHouseTime(Date.parse(e.window_start)),
    window_end: toClickHouseTime(Date.parse(e.window_end)),
  }))
  return {
    table: ALERT_HISTORY,
    rows,
    dedupToken: dedupToken(
      'alert_history',
      rows.map((r) => `${r.alert_key}@${r.window_start}/${r.transition}`),
    ),
  }
}

export interface OutboxRow {
  notification: Notification
  /** The vigil.metrics partition whose message created it: the instance owning it delivers it. */
  partition: number
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  nextAttemptAt: number
  lastError: string
  result: string
  createdAt: number
}

function toRow(r: OutboxRow) {
  const n = r.notification
  return {
    id: n.id,
    channel: n.channel,
    target: n.target,
    kind: n.kind,
    model_id: n.modelId,
    window_start: toClickHouseTime(n.windowStart),
    payload: JSON.stringify(n),
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: toClickHouseTime(r.nextAttemptAt),
    last_error: r.lastError,
    result: r.result,
    seq: r.attempts,
    created_at: toClickHouseTime(r.createdAt),
    kafka_partition: r.partition,
  }
}

/**
 * New notifications, pending, seq 0. Their ids are deterministic and `created_at` is the window
 * end (event time, not the wall clock), so planning the same evaluation again inserts an identical
 * block (deduplicated), and a delivered row (seq ≥ 1) always outranks it.
 */
export function notificationsWrite(
  ns: readonly Notification[],
  partition: number,
): { write: RowWrite; rows: OutboxRow[] } {
  const rows: OutboxRow[] = ns.map((n) => ({
    notification: n,
    partition,
    status: 'pending',
    attempts: 0,
    // Due at once; a constant (not the wall clock) keeps a re-planned row identical.
    nextAttemptAt: 0,
    lastError: '',
    result: '',
    createdAt: n.windowEnd,
  }))
  const write = {
    table: NOTIFICATIONS,
    rows: rows.map(toRow),
    dedupToken: dedupToken(
      'notifications',
      ns.map((n) => n.id),
    ),
  }
  return { write, rows }
}

/** Inserts new notifications (as the rules service's plan would) and returns their outbox rows. */
export async function enqueueNotifications(
  ch: ClickHouse,
  ns: readonly Notification[],
  partition = 0,
): Promise<OutboxRow[]> {
  const { write, rows } = notificationsWrite(ns, partition)
  await insertRows(ch, write.table, write.rows, { dedupToken: write.dedupToken })
  return rows
}

/** The outcome of a delivery attempt (seq = attempts, so the newest attempt wins). */
export async function recordAttempt(ch: ClickHouse, row: OutboxRow): Promise<void> {
  await insertRows(ch, NOTIFICATIONS, [toRow(row)], {
    dedupToken: `attempt-${row.notification.id}-${row.attempts}`,
  })
}

function fromRow(r: StoredOutboxRow): OutboxRow {
  return {
    notification: JSON.parse(r.payload) as Notification,
    partition: Math.max(0, r.kafka_partition),
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: fromTime(r.next_attempt_at),
    lastError: r.last_error,
    result: r.result,
    createdAt: fromTime(r.created_at),
  }
}

/** Notifications not yet delivered nor given up, to resume after a restart. */
export async function loadPending(ch: ClickHouse, partitions: readonly number[]): Promise<OutboxRow[]> {
  return (await runQuery(ch, pendingNotificationsQuery, partitions)).map(fromRow)
}

/** One notification's current row (e.g. a firing message whose Slack ts a resolution threads on). */
export async function loadNotification(ch: ClickHouse, id: string): Promise<OutboxRow | undefined> {
  const [row] = await runQuery(ch, notificationQuery, id)
  return row ? fromRow(row) : undefined
}

export async function loadRetrains(ch: ClickHouse): Promise<Map<string, number>> {
  const rows = await runQuery(ch, retrainsQuery, undefined)
  return new Map(rows.map((r) => [`${r.webhook}|${r.model_id}|${r.model_version}`, fromTime(r.last_at)]))
}

export function retrainsWrite(retrains: ReadonlyMap<string, { at: number; notificationId: string }>): Write {
  const rows = [...retrains].map(([k, v]) => {
    const [webhook, model_id, model_version] = k.split('|')
    return {
      webhook,
      model_id,
      model_version,
      last_at: toClickHouseTime(v.at),
      notification_id: v.notificationId,
    }
  })
  return {
    table: RETRAINS,
    rows,
    dedupToken: dedupToken(
      'retrains',
      rows.map((r) => r.notification_id),
    ),
  }
}
