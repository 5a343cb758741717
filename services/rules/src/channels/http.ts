import { createHmac } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP } from 'node:net'
import type { DeliveryResult } from './types.js'

/**
 * Addresses a user-configured URL must not reach unless allow-listed (OWASP SSRF; notes §5.3):
 * loopback, private, link-local (cloud metadata), CGNAT, "this network", ULA. No rule for the
 * mapped range ::ffff:0:0/96: BlockList would match every IPv4 address against it.
 */
function privateRanges(): BlockList {
  const b = new BlockList()
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const)
    b.addSubnet(net, bits, 'ipv4')
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
  ] as const)
    b.addSubnet(net, bits, 'ipv6')
  return b
}
const PRIVATE = privateRanges()

/** Node's BlockList judges an IPv4-mapped IPv6 address (any spelling) by the IPv4 rules. */
function isPrivate(address: string): boolean {
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
}

export interface AddressPolicy {
  /** Hosts, IPs or CIDRs (`10.1.0.0/16`) that may be reached although private. */
  allowPrivate: readonly string[]
}

function allowListed(policy: AddressPolicy, host: string, address: string): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
  return policy.allowPrivate.some((entry) => {
    if (entry === host || entry === address) return true
    const [net, bits] = entry.split('/')
    if (bits === undefined || !isIP(net ?? '')) return false
    const list = new BlockList()
    try {
      list.addSubnet(net!, Number(bits), isIP(net!) === 6 ? 'ipv6' : 'ipv4')
    } catch {
      return false
    }
    return list.check(address, family)
  })
}

export class RefusedAddressError extends Error {
  constructor(url: string, address: string) {
    super(
      `refused ${url}: it resolves to ${address}, a private, loopback or link-local address; ` +
        'add the host to alerting.allow_private to allow it',
    )
    this.name = 'RefusedAddressError'
  }
}

/**
 * Resolves the URL's host once and checks every address; the request then connects to the
 * checked address (no second lookup a rebinding DNS server could answer differently).
 */
export async function resolveAllowed(
  url: URL,
  policy: AddressPolicy,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true, verbatim: true })
  for (const a of addresses) {
    if (isPrivate(a.address) && !allowListed(policy, host, a.address))
      throw new RefusedAddressError(url.toString(), a.address)
  }
  const first = addresses[0]
  if (!first) throw new Error(`${host} has no address`)
  return first
}

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
