import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import type { ConfigProblem } from './errors.js'
import type { VigilConfig } from './vigil.js'

// The channels' side of the configuration: what a notify target names, which addresses a
// configured URL may reach, and the preflight that `vigil start` and `vigil rules check` run.

export type Channel = 'slack' | 'email' | 'webhook' | 'alertmanager' | 'pagerduty'

/** `slack:#ml`, `email:a@b`, `webhook:name`, `alertmanager`, `pagerduty` → channel and target. */
export function parseTarget(t: string): { channel: Channel; target: string } {
  if (t === 'alertmanager' || t === 'pagerduty') return { channel: t, target: '' }
  const i = t.indexOf(':')
  return { channel: t.slice(0, i) as Channel, target: t.slice(i + 1) }
}

/**
 * Addresses a user-configured URL must not reach unless allow-listed (OWASP Server-Side Request Forgery Prevention Cheat Sheet):
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

/**
 * What the rules need from the environment and the network, checked before the service starts:
 * a Slack token if a rule notifies Slack, an SMTP URL for email, each webhook's secret, and
 * webhook URLs that do not resolve to private addresses unless allow-listed.
 */
export async function checkChannels(
  config: Pick<VigilConfig, 'rules' | 'alerting' | 'file'>,
): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = []
  const file = config.file ?? 'vigil.yaml'
  const used = new Set(config.rules.flatMap((r) => r.notify.map((t) => parseTarget(t).channel)))
  if (used.has('slack') && !config.alerting.slack.token)
    problems.push({
      source: 'environment',
      path: 'SLACK_TOKEN',
      reason: 'a rule notifies Slack, but SLACK_TOKEN is not set',
    })
  if (used.has('pagerduty') && config.alerting.pagerduty && !config.alerting.pagerduty.routing_key)
    problems.push({
      source: 'environment',
      path: config.alerting.pagerduty.routing_key_env,
      reason: "a rule notifies PagerDuty, but the integration's routing key is not set",
    })
  if (used.has('email') && !config.alerting.email.smtp_url)
    problems.push({
      source: 'environment',
      path: 'SMTP_URL',
      reason: 'a rule sends email, but SMTP_URL is not set',
    })
  const hooks = new Set(
    config.rules.flatMap((r) => [
      ...r.notify.filter((t) => t.startsWith('webhook:')).map((t) => parseTarget(t).target),
      ...(r.retrain ? [r.retrain] : []),
    ]),
  )
  for (const name of hooks) {
    const hook = config.alerting.webhooks[name]
    if (!hook) continue
    if (!hook.secret)
      problems.push({
        source: 'environment',
        path: hook.secret_env,
        reason: `the signing secret of webhook ${name} is not set`,
      })
    try {
      await resolveAllowed(new URL(hook.url), { allowPrivate: config.alerting.allow_private })
    } catch (err) {
      // A name that does not resolve now may later; only a refused address stops the start.
      if (err instanceof RefusedAddressError)
        problems.push({ source: file, path: `alerting.webhooks.${name}.url`, reason: err.message })
    }
  }
  return problems
}
