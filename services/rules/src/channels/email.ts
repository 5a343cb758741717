import { createTransport } from 'nodemailer'
import { emailMessage } from '../render.js'
import type { ChannelSender, DeliveryResult } from './types.js'

/**
 * Email over one pooled SMTP transport. nodemailer does not retry; the outbox does, for
 * connection errors and 4xx replies only (a 5xx is permanent). The Message-ID is the
 * notification id, so a receiving system can drop a duplicate from a retried send.
 */
export function emailSender(options: { smtpUrl: string; from: string }): ChannelSender {
  const transport = createTransport(options.smtpUrl, { pool: true, maxConnections: 2 } as never)
  return {
    async send(n): Promise<DeliveryResult> {
      const m = emailMessage(n)
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: n.target,
          subject: m.subject,
          text: m.text,
          html: m.html,
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
