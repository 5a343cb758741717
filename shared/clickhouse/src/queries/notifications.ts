import { z } from 'zod'
import type { ClickHouse } from '../client.js'
import { defineQuery, runQuery } from '../query.js'
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

export const notificationsQuery = defineQuery({
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
