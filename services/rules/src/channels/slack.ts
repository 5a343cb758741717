import { ErrorCode, type KnownBlock, LogLevel, WebClient } from '@slack/web-api'
import type { Logger } from '@vigil/observability'
import { slackMessage } from '../render.js'
import type { ChannelSender, DeliveryResult } from './types.js'

/**
 * Slack through `chat.postMessage`. The client does not retry or queue (retries: 0,
 * rejectRateLimitedCalls): the outbox owns retries, and a 429's Retry-After becomes the next
 * attempt's time, so one rate-limited channel does not hold the others.
 */
export function slackSender(options: { token: string; apiUrl?: string; log: Logger }): ChannelSender {
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
  return {
    async send(n, { threadTs }): Promise<DeliveryResult> {
      const { text, blocks } = slackMessage(n)
      try {
        const res = await client.chat.postMessage({
          channel: n.target,
          text,
          // render.ts builds plain objects in Block Kit's shape; the SDK types them nominally.
          blocks: blocks as KnownBlock[],
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
          metadata: { event_type: 'vigil_alert', event_payload: { idempotency_key: n.id, kind: n.kind } },
        })
        return { ok: true, ...(res.ts ? { result: res.ts } : {}) }
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
  }
}
