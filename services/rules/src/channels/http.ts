import { createHmac } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { type AddressPolicy, RefusedAddressError, resolveAllowed } from '@vigil/config'
import type { DeliveryResult } from './types.js'

export type { AddressPolicy }

/** `X-Vigil-Signature`: `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>`. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** Transient answers worth retrying: timeouts, rate limits, server errors. */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header
  if (!v) return undefined
  const secs = Number(v)
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000)
  const at = Date.parse(v)
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined
}

/**
 * POSTs JSON to a URL through the address check, without following redirects (a redirect could
 * lead anywhere); a 2xx is delivered, a 408/429/5xx or a network error is retried, any other
 * answer is a permanent failure.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; policy: AddressPolicy | null },
): Promise<DeliveryResult> {
  const target = new URL(url)
  let pinned: { address: string; family: number } | undefined
  if (options.policy) {
    try {
      pinned = await resolveAllowed(target, options.policy)
    } catch (err) {
      if (err instanceof RefusedAddressError) return { ok: false, permanent: true, error: err.message }
      return {
        ok: false,
        permanent: false,
        error: `cannot resolve ${target.hostname}: ${(err as Error).message}`,
      }
    }
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<DeliveryResult>((resolve) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
        timeout: options.timeoutMs,
        ...(pinned
          ? {
              lookup: (_h: string, _o: object, cb: (e: Error | null, a: string, f: number) => void) =>
                cb(null, pinned!.address, pinned!.family),
            }
          : {}),
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          if (text.length < 2000) text += c
        })
        res.on('end', () => {
          const status = res.statusCode ?? 0
          if (status >= 200 && status < 300) return resolve({ ok: true, result: text.slice(0, 500) })
          const error = `HTTP ${status} from ${target.host}${text ? `: ${text.slice(0, 200)}` : ''}`
          const after = retryAfterMs(res.headers['retry-after'])
          resolve({
            ok: false,
            permanent: !retryable(status),
            error,
            ...(after !== undefined ? { retryAfterMs: after } : {}),
          })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)))
    req.on('error', (err) =>
      resolve({ ok: false, permanent: false, error: `${target.host}: ${err.message}` }),
    )
    req.end(body)
  })
}
