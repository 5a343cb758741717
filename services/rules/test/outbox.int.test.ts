import { type ClickHouse, connectClickHouse, migrate } from '@vigil/clickhouse'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { testConfig, waitFor } from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { ChannelSender, DeliveryResult } from '../src/channels/types.js'
import { createOutbox } from '../src/outbox.js'
import type { Channel, Notification } from '../src/steps/plan.js'
import { enqueueNotifications } from '../src/store.js'

const T0 = Date.UTC(2026, 10, 24, 12)
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

function notification(i: number, channel: Channel, target: string): Notification {
  return {
    id: `n${String(i).padStart(3, '0')}-${target}`,
    channel,
    target,
    kind: 'firing',
    modelId: `model-${i}`,
    modelVersion: 'v1',
    windowStart: T0 + i * 1000,
    windowEnd: T0 + i * 1000 + 1,
    alerts: [],
  }
}

/** A sender that records what it was given and answers from `reply` (OK by default). */
function recordingSender(reply: (n: Notification) => Promise<DeliveryResult> = async () => ({ ok: true })) {
  const sent: Notification[] = []
  const sender: ChannelSender = {
    async send(n) {
      sent.push(n)
      return reply(n)
    },
  }
  return { sent, sender, to: (target: string) => sent.filter((n) => n.target === target).length }
}

async function setup(senders: Partial<Record<Channel, ChannelSender>>, notifications: Notification[]) {
  const config = testConfig({ name: 'outbox' })
  const ch: ClickHouse = await connectClickHouse(config.clickhouse)
  await migrate(ch)
  let clock = T0
  const outbox = createOutbox({
    ch,
    senders,
    retry: { max_attempts: 5, initial_backoff: 1000, max_backoff: 60_000 },
    log: createLogger({ name: 'test', level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    now: () => clock,
    tickMs: 10,
  })
  outbox.assign([0])
  outbox.add(await enqueueNotifications(ch, notifications))
  outbox.start()
  cleanup.push(async () => {
    await outbox.stop()
    await ch.close()
  })
  return { advance: (ms: number) => (clock += ms), ch }
}

/** Several ticks of the outbox pass with nothing more sent. */
const quiet = () => new Promise((r) => setTimeout(r, 300))

describe('outbox lanes', () => {
  it('paces each Slack channel (a burst of 5, then 1 a second) and loses nothing', async () => {
    const slack = recordingSender()
    const ns = [
      ...Array.from({ length: 12 }, (_, i) => notification(i, 'slack', '#a')),
      ...Array.from({ length: 3 }, (_, i) => notification(i, 'slack', '#b')),
    ]
    const { advance } = await setup({ slack: slack.sender }, ns)
    expect(await waitFor(async () => slack.to('#a') === 5 && slack.to('#b') === 3, 10_000)).toBe(true)
    await quiet()
    expect(slack.to('#a')).toBe(5) // the clock stood still: no token came back

    advance(1000)
    expect(await waitFor(async () => slack.to('#a') === 6, 10_000)).toBe(true)
    await quiet()
    expect(slack.to('#a')).toBe(6)

    advance(60_000) // a long pause refills only the burst
    expect(await waitFor(async () => slack.to('#a') === 11, 10_000)).toBe(true)
    await quiet()
    expect(slack.to('#a')).toBe(11)
    advance(1000)
    expect(await waitFor(async () => slack.to('#a') === 12, 10_000)).toBe(true)
    // In order, each once.
    expect(slack.sent.filter((n) => n.target === '#a').map((n) => n.modelId)).toEqual(
      Array.from({ length: 12 }, (_, i) => `model-${i}`),
    )
  })

  it('sends a lane nothing while its receiver asked to wait, and a stuck lane holds up no other', async () => {
    let refuse = true
    const slack = recordingSender(async () =>
      refuse ? { ok: false, permanent: false, error: 'ratelimited', retryAfterMs: 30_000 } : { ok: true },
    )
    let release: () => void = () => {}
    const stuck = new Promise<void>((r) => {
      release = r
    })
    const hook = recordingSender(async () => {
      await stuck
      return { ok: true }
    })
    const email = recordingSender()
    const ns = [
      ...Array.from({ length: 3 }, (_, i) => notification(i, 'slack', '#a')),
      ...Array.from({ length: 2 }, (_, i) => notification(i, 'webhook', 'slow')),
      ...Array.from({ length: 4 }, (_, i) => notification(i, 'email', 'oncall@example.com')),
    ]
    const { advance } = await setup({ slack: slack.sender, webhook: hook.sender, email: email.sender }, ns)
    // The webhook receiver hangs on its first delivery; email goes out regardless.
    expect(await waitFor(async () => email.sent.length === 4 && hook.sent.length === 1, 10_000)).toBe(true)
    // Slack answered 429 with Retry-After 30 s: one request, then none until that time.
    await quiet()
    expect(slack.sent.length).toBe(1)
    advance(29_000)
    await quiet()
    expect(slack.sent.length).toBe(1)
    refuse = false
    advance(1000)
    expect(await waitFor(async () => slack.sent.length === 4, 10_000)).toBe(true)
    expect(slack.sent.map((n) => n.modelId)).toEqual(['model-0', 'model-0', 'model-1', 'model-2'])

    release()
    expect(await waitFor(async () => hook.sent.length === 2, 10_000)).toBe(true)
  })

  it('keeps a refused notification first in its lane, however long recording the attempt takes', async () => {
    // PagerDuty answers 500 once; the attempt's record takes longer than the backoff. The next
    // notification of the lane (a resolve after its trigger) must still wait for the retry.
    let refuse = true
    const pd = recordingSender(async () => {
      if (!refuse) return { ok: true }
      refuse = false
      return { ok: false, permanent: false, error: 'HTTP 500' }
    })
    const { advance, ch } = await setup({ pagerduty: pd.sender }, [
      notification(0, 'pagerduty', ''),
      notification(1, 'pagerduty', ''),
    ])
    const exec = ch.client.exec.bind(ch.client)
    ch.client.exec = ((args: Parameters<typeof exec>[0]) => {
      advance(5_000) // the engine slow to record: the 1 s backoff has passed when it returns
      return exec(args)
    }) as typeof exec
    expect(await waitFor(async () => pd.sent.length === 3, 10_000)).toBe(true)
    expect(pd.sent.map((n) => n.modelId)).toEqual(['model-0', 'model-0', 'model-1'])
  })
})

describe('outbox across instances', () => {
  it('delivers each notification once when its partition moves to another instance mid-send', async () => {
    const config = testConfig({ name: 'handover' })
    const ch: ClickHouse = await connectClickHouse(config.clickhouse)
    await migrate(ch)
    let clock = T0
    const instance = (sender: ChannelSender, graceMs: number) => {
      const outbox = createOutbox({
        ch,
        senders: { webhook: sender },
        retry: { max_attempts: 5, initial_backoff: 1000, max_backoff: 60_000 },
        log: createLogger({ name: 'test', level: 'silent' }),
        registry: createMetricsRegistry({ defaultMetrics: false }),
        now: () => clock,
        tickMs: 10,
        handoverGraceMs: graceMs,
      })
      cleanup.push(() => outbox.stop())
      return outbox
    }
    cleanup.push(() => ch.close())
    // Instance A owns both partitions; its first delivery of partition 1 hangs until released.
    let release: () => void = () => {}
    const hung = new Promise<void>((r) => {
      release = r
    })
    const a = recordingSender(async (n) => {
      if (n.id.startsWith('n010')) await hung
      return { ok: true }
    })
    const b = recordingSender()
    const A = instance(a.sender, 0)
    const B = instance(b.sender, 5_000)
    const inPartition = (p: number, from: number) =>
      Array.from({ length: 3 }, (_, i) => notification(from + i, 'webhook', `hook-${p}`))
    await enqueueNotifications(ch, inPartition(0, 0), 0)
    await enqueueNotifications(ch, inPartition(1, 10), 1)
    A.assign([0, 1])
    A.start()
    B.start()
    expect(await waitFor(async () => a.sent.length === 4, 10_000)).toBe(true) // 3 of p0, the hung one of p1

    // A rebalance: partition 1 moves to B while A's send of n010 is under way.
    A.assign([0])
    B.assign([1])
    await quiet()
    expect(b.sent.length).toBe(0) // B waits out the grace
    release() // A's send completes and is recorded as delivered
    await new Promise((r) => setTimeout(r, 200))
    clock += 5_000
    expect(await waitFor(async () => b.sent.length === 2, 10_000)).toBe(true)
    await quiet()
    const ids = (s: { sent: Notification[] }) => s.sent.map((n) => n.id.slice(0, 4))
    expect(ids(a).sort()).toEqual(['n000', 'n001', 'n002', 'n010'])
    expect(ids(b).sort()).toEqual(['n011', 'n012'])
  })
})
