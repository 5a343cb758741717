import type { ClickHouse } from '@vigil/clickhouse'
import type { AlertingConfig } from '@vigil/config'
import { Counter, type Logger, type Registry } from '@vigil/observability'
import type { ChannelSender } from './channels/types.js'
import type { Channel } from './steps/plan.js'
import { loadNotification, loadPending, type OutboxRow, recordAttempt } from './store.js'

/** The wait before attempt `attempts + 1`: doubling from the initial backoff, capped. */
export function backoffMs(retry: AlertingConfig['retry'], attempts: number): number {
  return Math.min(retry.max_backoff, retry.initial_backoff * 2 ** Math.max(0, attempts - 1))
}

/** Sends allowed per lane: a burst, then a steady rate (a token bucket). */
export interface Pace {
  burst: number
  perSecond: number
}

/**
 * Slack allows chat.postMessage "one message per second per channel", short bursts tolerated
 * (Slack's rate-limit documentation, api.slack.com/docs/rate-limits): vigil paces itself rather than lean on 429s.
 */
export const DEFAULT_PACING: Partial<Record<Channel, Pace>> = { slack: { burst: 5, perSecond: 1 } }

export interface Outbox {
  /**
   * The vigil.metrics partitions this instance owns now (after every rebalance): it delivers
   * their notifications only. A partition that came here waits `handoverGraceMs`, then its pending
   * notifications are read again from ClickHouse (what the previous owner sent meanwhile is
   * recorded as delivered by then) and delivered; one that left is dropped from the queue.
   */
  assign(partitions: readonly number[]): void
  /** Takes notifications just made durable by the evaluation (those of owned partitions). */
  add(rows: readonly OutboxRow[]): void
  start(): void
  stop(): Promise<void>
  /** Notifications waiting to be delivered (plus one per owned partition not read yet). */
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
  pacing?: Partial<Record<Channel, Pace>>
  handoverGraceMs?: number
}): Outbox {
  const { ch, senders, retry, log } = options
  const graceMs = options.handoverGraceMs ?? 0
  const now = options.now ?? Date.now
  const queue = new Map<string, OutboxRow>()
  const threadTs = new Map<string, string | null>()
  const outcomes = new Counter({
    name: 'vigil_notifications_total',
    help: 'Notification delivery attempts by channel and outcome (delivered, retried, failed)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [options.registry],
  })
  const pacing = options.pacing ?? DEFAULT_PACING
  const buckets = new Map<string, { tokens: number; at: number }>()
  /** Lanes at work: each runs on its own, so a slow receiver holds up only its own lane. */
  const active = new Map<string, Promise<void>>()
  const laneWaits = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  /**
   * Partitions owned, each delivered once its pending rows are read (`loaded`), not before
   * `readyAt` (the handover grace). A new entry per assignment: a read begun before a rebalance
   * finds another entry (or none) and is dropped.
   */
  const owned = new Map<number, { readyAt: number; loaded: boolean; reading: boolean }>()

  const deliverable = (r: OutboxRow) => owned.get(r.partition)?.loaded === true

  /** A partition's pending rows from ClickHouse into the queue, once its grace has passed. */
  async function resume(partition: number): Promise<void> {
    const o = owned.get(partition)
    if (!o || o.loaded || o.reading || o.readyAt > now()) return
    o.reading = true
    const queuedBefore = [...queue.values()]
      .filter((r) => r.partition === partition)
      .map((r) => r.notification.id)
    try {
      const rows = await loadPending(ch, [partition])
      if (owned.get(partition) !== o) return
      const pending = new Set(rows.map((r) => r.notification.id))
      // Queued before the read but no longer pending: the previous owner delivered or gave it up.
      for (const id of queuedBefore) if (!pending.has(id)) queue.delete(id)
      for (const r of rows) if (!queue.has(r.notification.id)) queue.set(r.notification.id, r)
      o.loaded = true
      if (rows.length > 0) log.info({ partition, pending: rows.length }, 'resuming pending notifications')
    } catch (err) {
      log.warn({ err, partition }, 'pending notifications not read; trying again')
    } finally {
      o.reading = false
    }
  }

  /** Takes a send from the lane's bucket; false when the lane must wait for the next tick. */
  function mayAttempt(lane: string, channel: Channel): boolean {
    const pace = pacing[channel]
    if (!pace) return true
    const t = now()
    const b = buckets.get(lane) ?? { tokens: pace.burst, at: t }
    b.tokens = Math.min(pace.burst, b.tokens + ((t - b.at) / 1000) * pace.perSecond)
    b.at = t
    buckets.set(lane, b)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

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

  /** Delivers one row; returns when its lane may try again (later than now after a transient failure). */
  async function attempt(row: OutboxRow): Promise<number> {
    const n = row.notification
    const sender = senders[n.channel]
    const thread = await threadFor(row)
    if (thread.wait) return 0
    const result = sender
      ? await sender.send(n, thread.ts ? { threadTs: thread.ts } : {})
      : { ok: false as const, permanent: true, error: `no ${n.channel} channel configured` }
    const attempts = row.attempts + 1
    let next: OutboxRow
    if (result.ok) {
      next = { ...row, status: 'delivered', attempts, result: result.result ?? '', lastError: '' }
      if (n.kind === 'firing' && n.channel === 'slack') threadTs.set(n.id, result.result ?? null)
    } else if (result.permanent || attempts >= retry.max_attempts) {
      next = { ...row, status: 'failed', attempts, lastError: result.error }
    } else {
      const wait = Math.max(result.retryAfterMs ?? 0, backoffMs(retry, attempts))
      next = { ...row, attempts, nextAttemptAt: now() + wait, lastError: result.error }
    }
    await recordAttempt(ch, next)
    // The partition moved to another instance meanwhile: its owner reads the row as recorded.
    if (!owned.has(row.partition)) {
      queue.delete(n.id)
      return 0
    }
    if (next.status === 'pending') {
      queue.set(n.id, next)
      outcomes.inc({ channel: n.channel, outcome: 'retried' })
      log.warn(
        { notification: n.id, channel: n.channel, target: n.target, attempts, error: next.lastError },
        'notification not delivered; retrying',
      )
      // A receiver that refused (429, 5xx, down) is not sent the rest of the lane meanwhile.
      return next.nextAttemptAt
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
    return 0
  }

  async function runLane(lane: string, rows: readonly OutboxRow[]): Promise<void> {
    for (const r of rows) {
      // The lane's rows were taken before a rebalance may have moved their partition away.
      if (!deliverable(r) || !queue.has(r.notification.id)) continue
      if ((laneWaits.get(lane) ?? 0) > now() || !mayAttempt(lane, r.notification.channel)) return
      try {
        const retryAt = await attempt(r)
        laneWaits.set(lane, retryAt)
        // A refused row goes first when its retry is due: later rows of the lane (a resolve after
        // its trigger) never overtake it, even when recording the attempt took longer than the backoff.
        if (retryAt > 0) return
      } catch (err) {
        // Recording the attempt failed (ClickHouse down): the row stays queued and is tried again.
        log.warn({ err, notification: r.notification.id }, 'outbox attempt not recorded; retrying')
        return
      }
    }
  }

  function tick(): void {
    for (const p of owned.keys()) void resume(p)
    const due = [...queue.values()]
      .filter((r) => r.nextAttemptAt <= now() && deliverable(r))
      .sort((a, b) => a.createdAt - b.createdAt || a.notification.id.localeCompare(b.notification.id))
    const lanes = new Map<string, OutboxRow[]>()
    for (const r of due) {
      const lane = `${r.notification.channel}:${r.notification.target}`
      if (active.has(lane)) continue
      const rows = lanes.get(lane)
      if (rows) rows.push(r)
      else lanes.set(lane, [r])
    }
    for (const [lane, rows] of lanes)
      active.set(
        lane,
        runLane(lane, rows).finally(() => active.delete(lane)),
      )
  }

  return {
    assign(partitions) {
      const next = new Set(partitions)
      for (const p of [...owned.keys()])
        if (!next.has(p)) {
          owned.delete(p)
          for (const [id, r] of queue) if (r.partition === p) queue.delete(id)
        }
      for (const p of next)
        if (!owned.has(p)) owned.set(p, { readyAt: now() + graceMs, loaded: false, reading: false })
    },
    add(rows) {
      for (const r of rows)
        if (r.status === 'pending' && owned.has(r.partition) && !queue.has(r.notification.id))
          queue.set(r.notification.id, r)
    },
    start() {
      timer = setInterval(tick, options.tickMs ?? 100)
    },
    async stop() {
      clearInterval(timer)
      await Promise.all(active.values())
      await Promise.all(Object.values(senders).map((s) => s?.close?.()))
    },
    // A partition still in its handover grace has pending rows not read yet: counted as one each,
    // so that "nothing pending" means every owned partition's notifications are accounted for.
    pending: () => queue.size + [...owned.values()].filter((o) => !o.loaded).length,
  }
}
