import type { ClickHouse } from '@vigil/clickhouse'
import type { AlertingConfig } from '@vigil/config'
import { Counter, type Logger, type Registry } from '@vigil/observability'
import type { ChannelSender } from './channels/types.js'
import type { Channel } from './steps/plan.js'
import { loadNotification, loadPending, type OutboxRow, recordAttempt } from './store.js'

/** The wait before attempt `attempts + 1`: doubling from the initial backoff, capped. */
export function backoffMs(retry: AlertingConfig['retry'], attempts: number): number {
  return Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** Math.max(0, attempts - 1))
}

export interface Outbox {
  /** Resumes the notifications a previous run left pending. */
  load(): Promise<void>
  /** Takes notifications just made durable by the evaluation. */
  add(rows: readonly OutboxRow[]): void
  start(): void
  stop(): Promise<void>
  pending(): number
}

/**
 * Delivers the durable outbox: each channel in its own lane (a slow or rate-limited channel holds
 * only itself), each attempt recorded before the next, failures retried with exponential backoff
 * (or the receiver's Retry-After) until `max_attempts`, then marked failed, logged and counted.
 * A crash between a delivery and its record re-sends it on restart with the same idempotency key.
 */
export function createOutbox(options: {
  ch: ClickHouse
  senders: Partial<Record<Channel, ChannelSender>>
  retry: AlertingConfig['retry']
  log: Logger
  registry: Registry
  now?: () => number
  tickMs?: number
}): Outbox {
  const { ch, senders, retry, log } = options
  const now = options.now ?? Date.now
  const queue = new Map<string, OutboxRow>()
  const threadTs = new Map<string, string | null>()
  const outcomes = new Counter({
    name: 'vigil_notifications_total',
    help: 'Notification delivery attempts by channel and outcome (delivered, retried, failed)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [options.registry],
  })
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined

  /** Slack: a repeat or resolution threads on its firing message once that is delivered. */
  async function threadFor(row: OutboxRow): Promise<{ wait: boolean; ts?: string }> {
    const firing = row.notification.threadOf
    if (!firing) return { wait: false }
    if (queue.has(firing)) return { wait: true }
    if (!threadTs.has(firing)) {
      const f = await loadNotification(ch, firing)
      threadTs.set(firing, f?.status === 'delivered' && f.result ? f.result : null)
    }
    const ts = threadTs.get(firing)
    return { wait: false, ...(ts ? { ts } : {}) }
  }

  async function attempt(row: OutboxRow): Promise<void> {
    const n = row.notification
    const sender = senders[n.channel]
    const thread = await threadFor(row)
    if (thread.wait) return
    const result = sender
      ? await sender.send(n, thread.ts ? { threadTs: thread.ts } : {})
      : { ok: false as const, permanent: true, error: `no ${n.channel} channel configured` }
    const attempts = row.attempts + 1
    let next: OutboxRow
    if (result.ok) {
      next = { ...row, status: 'delivered', attempts, result: result.result ?? '', lastError: '' }
      if (n.kind === 'firing' && n.channel === 'slack') threadTs.set(n.id, result.result ?? null)
    } else if (result.permanent || attempts >= retry.maxAttempts) {
      next = { ...row, status: 'failed', attempts, lastError: result.error }
    } else {
      const wait = Math.max(result.retryAfterMs ?? 0, backoffMs(retry, attempts))
      next = { ...row, attempts, nextAttemptAt: now() + wait, lastError: result.error }
    }
    await recordAttempt(ch, next)
    if (next.status === 'pending') {
      queue.set(n.id, next)
      outcomes.inc({ channel: n.channel, outcome: 'retried' })
      log.warn(
        { notification: n.id, channel: n.channel, target: n.target, attempts, error: next.lastError },
        'notification not delivered; retrying',
      )
      return
    }
    queue.delete(n.id)
    outcomes.inc({ channel: n.channel, outcome: next.status })
    if (next.status === 'failed')
      log.error(
        {
          notification: n.id,
          channel: n.channel,
          target: n.target,
          kind: n.kind,
          attempts,
          error: next.lastError,
        },
        'notification failed; giving up (the alert itself is kept)',
      )
    else
      log.info(
        { notification: n.id, channel: n.channel, target: n.target, kind: n.kind },
        'notification delivered',
      )
  }

  async function tick(): Promise<void> {
    const due = [...queue.values()]
      .filter((r) => r.nextAttemptAt <= now())
      .sort((a, b) => a.createdAt - b.createdAt || a.notification.id.localeCompare(b.notification.id))
    const lanes = new Map<string, OutboxRow[]>()
    for (const r of due) {
      const lane = `${r.notification.channel}:${r.notification.target}`
      const rows = lanes.get(lane)
      if (rows) rows.push(r)
      else lanes.set(lane, [r])
    }
    await Promise.all(
      [...lanes.values()].map(async (rows) => {
        for (const r of rows) {
          try {
            await attempt(r)
          } catch (err) {
            // Recording the attempt failed (ClickHouse down): the row stays queued and is tried again.
            log.warn({ err, notification: r.notification.id }, 'outbox attempt not recorded; retrying')
            return
          }
        }
      }),
    )
  }

  return {
    async load() {
      for (const r of await loadPending(ch)) queue.set(r.notification.id, r)
      if (queue.size > 0) log.info({ pending: queue.size }, 'resuming pending notifications')
    },
    add(rows) {
      for (const r of rows)
        if (r.status === 'pending' && !queue.has(r.notification.id)) queue.set(r.notification.id, r)
    },
    start() {
      timer = setInterval(() => {
        running ??= tick().finally(() => {
          running = undefined
        })
      }, options.tickMs ?? 100)
    },
    async stop() {
      clearInterval(timer)
      await running
      await Promise.all(Object.values(senders).map((s) => s?.close?.()))
    },
    pending: () => queue.size,
  }
}
