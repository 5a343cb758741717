import { ErrorCode, type KnownBlock, LogLevel, WebClient } from '@slack/web-api'
import type { Logger } from '@vigil/observability'
import { slackMessage } from '../render.js'
import type { Notification } from '../steps/plan.js'
import type { ChannelSender, DeliveryResult } from './types.js'

/** Charts queued for drawing at most; the alerts beyond them go out without one. */
export const MAX_WAITING_CHARTS = 50

/**
 * A delivered Slack message as the outbox keeps it: `<ts>@<channel id>`; the ts threads the
 * replies, the channel id (Slack answers with it) lets the resolution update the message in place.
 * A bare ts (stored before the id was kept) still threads.
 */
const messageRef = (ts: string, channel?: string) => (channel ? `${ts}@${channel}` : ts)
function parseRef(ref: string): { ts: string; channel?: string } {
  const [ts, channel] = ref.split('@')
  return channel ? { ts: ts!, channel } : { ts: ts! }
}

/**
 * Slack through `chat.postMessage`. The client does not retry or queue (retries: 0,
 * rejectRateLimitedCalls): the outbox owns retries, and a 429's Retry-After becomes the next
 * attempt's time, so one rate-limited channel does not hold the others.
 */
export function slackSender(options: {
  token: string
  apiUrl?: string
  log: Logger
  /** A firing alert's chart as a PNG, uploaded into its thread; undefined: none to draw. */
  chart?: (n: Notification) => Promise<Buffer | undefined>
}): ChannelSender {
  // The SDK's own console logging would duplicate the outbox's log lines; keep it at debug, in ours.
  const sdkLog = options.log.child({ component: 'slack-sdk' })
  const client = new WebClient(options.token, {
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: {
      debug: (...m: unknown[]) => sdkLog.debug(m.map(String).join(' ')),
      info: (...m: unknown[]) => sdkLog.debug(m.map(String).join(' ')),
      warn: (...m: unknown[]) => sdkLog.debug(m.map(String).join(' ')),
      error: (...m: unknown[]) => sdkLog.debug(m.map(String).join(' ')),
      setLevel: () => {},
      getLevel: () => LogLevel.DEBUG,
      setName: () => {},
    },
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
  })
  const log = options.log.child({ channel: 'slack' })

  // Charts are drawn and uploaded after the alert is posted, one at a time: the alert's own
  // delivery never waits for a picture, and a burst of alerts does not draw a burst of charts at once.
  // Bounded: in a burst of alerts a chart drawn minutes late helps nobody, and each waits its turn.
  let charts: Promise<void> = Promise.resolve()
  let waiting = 0
  const afterPost = (n: Notification, channel: string, ts: string) => {
    if (waiting >= MAX_WAITING_CHARTS) {
      log.info({ notification: n.id, waiting }, 'alert chart skipped: too many charts waiting')
      return
    }
    waiting++
    charts = charts
      .then(() => uploadChart(n, channel, ts))
      .finally(() => {
        waiting--
      })
  }

  /** The chart into the firing message's thread. Best effort: the alert is delivered already. */
  async function uploadChart(n: Notification, channel: string, ts: string): Promise<void> {
    try {
      const png = await options.chart?.(n)
      if (!png) return
      await client.files.uploadV2({
        channel_id: channel,
        thread_ts: ts,
        file: png,
        filename: `vigil-${n.modelId}-${n.alerts[0]?.rule ?? 'alert'}.png`,
        title: `${n.modelId}: ${n.alerts[0]?.metric ?? ''} over the last windows`,
      })
    } catch (err) {
      log.warn({ err, notification: n.id }, 'alert chart not uploaded to Slack (the alert was delivered)')
    }
  }

  /** The firing message, updated in place to say it resolved. Best effort, as the thread has the news. */
  async function markResolved(n: Notification, ref: { ts: string; channel?: string }): Promise<void> {
    if (!ref.channel) return
    try {
      const { text, blocks } = slackMessage(n)
      await client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks: blocks as KnownBlock[] })
    } catch (err) {
      log.warn({ err, notification: n.id }, 'firing Slack message not updated on resolve')
    }
  }

  return {
    async send(n, { threadTs }): Promise<DeliveryResult> {
      const { text, blocks } = slackMessage(n)
      const thread = threadTs ? parseRef(threadTs) : undefined
      try {
        const res = await client.chat.postMessage({
          channel: n.target,
          text,
          // render.ts builds plain objects in Block Kit's shape; the SDK types them nominally.
          blocks: blocks as KnownBlock[],
          ...(thread ? { thread_ts: thread.ts } : {}),
          unfurl_links: false,
          metadata: { event_type: 'vigil_alert', event_payload: { idempotency_key: n.id, kind: n.kind } },
        })
        if (n.kind === 'firing' && res.ts && res.channel && options.chart) afterPost(n, res.channel, res.ts)
        if (n.kind === 'resolved' && thread) await markResolved(n, thread)
        return { ok: true, ...(res.ts ? { result: messageRef(res.ts, res.channel) } : {}) }
      } catch (err) {
        const e = err as Error & { code?: string; retryAfter?: number; data?: { error?: string } }
        if (e.code === ErrorCode.RateLimitedError)
          return {
            ok: false,
            permanent: false,
            error: 'Slack rate limit',
            retryAfterMs: (e.retryAfter ?? 1) * 1000,
          }
        if (e.code === ErrorCode.PlatformError) {
          // Slack answered with ok: false (channel_not_found, invalid_auth, …): retrying will not help.
          return { ok: false, permanent: true, error: `Slack: ${e.data?.error ?? e.message}` }
        }
        return { ok: false, permanent: false, error: `Slack: ${e.message}` }
      }
    },
    /** Lets the charts already queued reach their threads. */
    close: () => charts,
  }
}
