import type { Logger } from '@vigil/observability'
import { createTransport } from 'nodemailer'
import { emailMessage } from '../render.js'
import type { Notification } from '../steps/plan.js'
import type { ChannelSender, DeliveryResult } from './types.js'

/** The content id the chart is embedded by, in the HTML part. */
const CHART_CID = 'vigil-alert-chart'

/**
 * Email over one pooled SMTP transport. nodemailer does not retry; the outbox does, for
 * connection errors and 4xx replies only (a 5xx is permanent). The Message-ID is the
 * notification id, so a receiving system can drop a duplicate from a retried send.
 */
export function emailSender(options: {
  smtpUrl: string
  from: string
  /** A firing alert's chart as a PNG, embedded inline; undefined: none to draw. */
  chart?: (n: Notification) => Promise<Buffer | undefined>
  log?: Logger
}): ChannelSender {
  const transport = createTransport(options.smtpUrl, { pool: true, maxConnections: 2 } as never)
  /** The chart, or none when it cannot be drawn: the alert goes out either way. */
  async function chartOf(n: Notification): Promise<Buffer | undefined> {
    try {
      return await options.chart?.(n)
    } catch (err) {
      options.log?.warn({ err, notification: n.id }, 'alert chart not drawn for the email')
      return undefined
    }
  }
  return {
    async send(n): Promise<DeliveryResult> {
      const m = emailMessage(n)
      const png = n.kind === 'firing' ? await chartOf(n) : undefined
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: n.target,
          subject: m.subject,
          text: m.text,
          html: png
            ? `${m.html}<p><img src="cid:${CHART_CID}" alt="the metric over the last windows" width="640"></p>`
            : m.html,
          ...(png
            ? {
                attachments: [
                  { filename: 'chart.png', content: png, cid: CHART_CID, contentType: 'image/png' },
                ],
              }
            : {}),
          messageId: `<${n.id}@vigil>`,
          headers: { 'X-Vigil-Idempotency-Key': n.id },
        })
        return { ok: true, result: String(info.messageId ?? '') }
      } catch (err) {
        const e = err as Error & { responseCode?: number }
        const permanent = e.responseCode !== undefined && e.responseCode >= 500
        return { ok: false, permanent, error: `SMTP: ${e.message}` }
      }
    },
    async close() {
      transport.close()
    },
  }
}
