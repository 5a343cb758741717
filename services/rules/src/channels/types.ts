import type { Notification } from '../steps/plan.js'

export type DeliveryResult =
  | { ok: true /** Worth keeping, e.g. the Slack message ts that threads follow. */; result?: string }
  | {
      ok: false /** Retrying cannot help (a 4xx, a refused address). */
      permanent: boolean
      error: string
      retryAfterMs?: number
    }

/** Delivers one notification to one channel; never throws for a delivery failure. */
export interface ChannelSender {
  /** `threadTs`: the firing notification's delivery result, which a repeat or resolution follows. */
  send(n: Notification, context: { threadTs?: string }): Promise<DeliveryResult>
  close?(): Promise<void>
}
