import type { WebhookConfig } from '@vigil/config'
import { alertmanagerAlerts, webhookBody } from '../render.js'
import { type AddressPolicy, postJson, sign } from './http.js'
import type { ChannelSender } from './types.js'

/** How far back a retraining webhook's query reaches before the episode started. */
const TRAINING_LOOKBACK_MS = 7 * 86_400_000

/**
 * Signed JSON webhooks (docs/alerts.md): `X-Vigil-Timestamp`, `X-Vigil-Signature` =
 * `sha256=` HMAC-SHA256 over `timestamp.body` with the webhook's secret, `Idempotency-Key` = the
 * notification id. URLs resolving to private addresses are refused unless allow-listed.
 */
export function webhookSender(options: {
  webhooks: Record<string, WebhookConfig>
  policy: AddressPolicy
  database: string
  now?: () => number
}): ChannelSender {
  const now = options.now ?? Date.now
  return {
    async send(n) {
      const hook = options.webhooks[n.target]
      if (!hook?.secret)
        return {
          ok: false,
          permanent: true,
          error: `webhook ${n.target} is not configured, or has no secret`,
        }
      const since = Math.min(...n.alerts.map((a) => a.since)) - TRAINING_LOOKBACK_MS
      const body = JSON.stringify(webhookBody(n, options.database, since))
      const timestamp = String(Math.floor(now() / 1000))
      return postJson(
        hook.url,
        body,
        {
          'x-vigil-timestamp': timestamp,
          'x-vigil-signature': sign(hook.secret, timestamp, body),
          'idempotency-key': n.id,
          'user-agent': 'vigil-webhooks/1',
        },
        { timeoutMs: hook.timeout, policy: options.policy },
      )
    },
  }
}

/** Alertmanager's `/api/v2/alerts`, for teams that route alerts there; operator infrastructure, so no address check. */
export function alertmanagerSender(options: { url: string; now?: () => number }): ChannelSender {
  const now = options.now ?? Date.now
  const endpoint = new URL(
    'api/v2/alerts',
    options.url.endsWith('/') ? options.url : `${options.url}/`,
  ).toString()
  return {
    send: (n) =>
      postJson(
        endpoint,
        JSON.stringify(alertmanagerAlerts(n, now())),
        {},
        { timeoutMs: 10_000, policy: null },
      ),
  }
}
