import { z } from 'zod'
import type { ClickHouse } from '../client.js'
import { defineQuery, runQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'
import { conditions, firstRows, type Page } from './where.js'

// The notifications table (the rules service's outbox) as it is read.

const iso = z.string().describe('ISO 8601, UTC')

/** A notification and what became of it, with the alerts it is about. */
export const NotificationRow = z.object({
  id: z.string(),
  channel: z.string(),
  target: z.string(),
  kind: z.string(),
  model_id: z.string(),
  window_start: iso,
  status: z.string().describe('pending, delivered or failed'),
  attempts: z.number().int().nonnegative(),
  last_error: z.string(),
  created_at: iso,
  updated_at: iso,
  alerts: z.array(z.unknown()),
})
export type NotificationRow = z.output<typeof NotificationRow>

export interface NotificationFilter {
  status?: 'pending' | 'delivered' | 'failed'
  channel?: string
  model?: string
  limit: number
}

const notificationsQuery = defineQuery({
  name: 'notifications.list',
  // The alerts the notification is about, without the per-target bookkeeping of the payload.
  row: NotificationRow.omit({ alerts: true })
    .extend({ payload: z.string() })
    .transform(({ payload, ...rest }) => ({
      ...rest,
      alerts: (JSON.parse(payload) as { alerts?: unknown[] }).alerts ?? [],
    })),
  decode: { times: ['window_start', 'created_at', 'updated_at'], counts: ['attempts'] },
  build(f: NotificationFilter) {
    const c = conditions({ limit: f.limit + 1 })
    c.eq('status', f.status)
    c.eq('channel', f.channel)
    c.eq('model_id', f.model)
    return {
      sql: `SELECT id, channel, target, kind, model_id, window_start, status, attempts, last_error,
                   created_at, updated_at, payload
            FROM {db:Identifier}.notifications FINAL ${c.where()}
            ORDER BY created_at DESC, id
            LIMIT {limit:UInt32}`,
      params: c.params,
    }
  },
})

/** Notifications of the outbox and what became of them, newest first. */
export async function queryNotifications(
  ch: ClickHouse,
  f: NotificationFilter,
): Promise<Page<NotificationRow>> {
  return firstRows(await runQuery(ch, notificationsQuery, f), f.limit)
}

/** The outbox: one row per notification and delivery attempt (ReplacingMergeTree by seq). */
export const NOTIFICATIONS = defineTable(
  'notifications',
  z.object({
    id: c.string,
    channel: c.string,
    target: c.string,
    kind: c.string,
    model_id: c.string,
    window_start: c.time,
    /** The whole notification as JSON (the rules service's Notification). */
    payload: c.string,
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: c.uint32,
    next_attempt_at: c.time,
    last_error: c.string,
    result: c.string,
    seq: c.uint64,
    created_at: c.time,
    /** The vigil.metrics partition whose message created it; its owner delivers it (-1: before migration 012). */
    kafka_partition: z.number().int(),
  }),
)

/** An outbox row as the rules service resumes it. */
export const OutboxRow = z.object({
  payload: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.coerce.number().int(),
  next_attempt_at: z.string(),
  last_error: z.string(),
  result: z.string(),
  created_at: z.string(),
  kafka_partition: z.coerce.number().int(),
})

const OUTBOX_COLUMNS = `SELECT payload, status, attempts, next_attempt_at, last_error, result, created_at,
       kafka_partition
  FROM {db:Identifier}.notifications FINAL`

/**
 * Notifications of some vigil.metrics partitions not yet delivered nor given up: what their
 * owner resumes. Rows from before migration 012 (-1) go with partition 0.
 */
export const pendingNotificationsQuery = defineQuery({
  name: 'notifications.pending',
  row: OutboxRow,
  build: (partitions: readonly number[]) => ({
    sql: `${OUTBOX_COLUMNS} WHERE status = 'pending'
            AND if(kafka_partition < 0, 0, kafka_partition) IN {partitions:Array(Int32)}
          ORDER BY created_at, id`,
    params: { partitions },
  }),
})

/** One notification's current row. */
export const notificationQuery = defineQuery({
  name: 'notifications.one',
  row: OutboxRow,
  build: (id: string) => ({ sql: `${OUTBOX_COLUMNS} WHERE id = {id:String}`, params: { id } }),
})
export type OutboxRow = z.output<typeof OutboxRow>
