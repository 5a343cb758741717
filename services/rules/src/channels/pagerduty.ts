import { pagerDutyEvents } from '../render.js'
import { postJson } from './http.js'
import type { ChannelSender, DeliveryResult } from './types.js'

/**
 * PagerDuty's Events API v2: one event per alert of the notification, in order. A failure stops
 * there and the outbox retries the whole notification; PagerDuty deduplicates by `dedup_key`, so
 * the events already accepted are harmless when sent again. PagerDuty is operator infrastructure:
 * its URL is not checked against private addresses.
 */
export function pagerDutySender(options: { url: string; routingKey: string }): ChannelSender {
  return {
    async send(n): Promise<DeliveryResult> {
      for (const event of pagerDutyEvents(n, options.routingKey)) {
        const result = await postJson(
          options.url,
          JSON.stringify(event),
          {},
          { timeoutMs: 10_000, policy: null },
        )
        if (!result.ok) return result
      }
      return { ok: true }
    },
  }
}
