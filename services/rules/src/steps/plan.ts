import { createHash } from 'node:crypto'
import type { Silence } from '@vigil/clickhouse'
import { type Channel, formatCondition, parseTarget, type Rule } from '@vigil/config'
import { signedChartUrl } from '@vigil/events'
import type { AlertState, Step } from './lifecycle.js'
import { matches, type Observation } from './observe.js'

export type { Channel }
export type NotificationKind = 'firing' | 'repeat' | 'resolved' | 'retrain'

/** One alert as a notification presents it. */
export interface AlertView {
  key: string
  rule: string
  severity: Rule['severity']
  modelId: string
  modelVersion: string
  subject: string
  metric: string
  value: number | null
  condition: string
  episode: string
  since: number
  windowStart: number
  windowEnd: number
  runbook?: string
  /** The alert's page in the console (`public_url` set): where every notification links. */
  url?: string
  /** Its chart as a PNG, a signed link a receiver fetches without a token (VIGIL_LINK_SECRET set). */
  chartUrl?: string
  labels: Record<string, string>
}

/** A notification to deliver: one per target and kind per evaluated message (alerts grouped). */
export interface Notification {
  /** Deterministic, so re-planning the same evaluation creates the same row; also the idempotency key. */
  id: string
  channel: Channel
  /** Slack channel, email address, webhook name; '' for Alertmanager. */
  target: string
  kind: NotificationKind
  modelId: string
  modelVersion: string
  windowStart: number
  windowEnd: number
  alerts: AlertView[]
  /** Slack: the firing notification whose thread a repeat or resolution is posted in. */
  threadOf?: string
}

export function isSilenced(silences: readonly Silence[], s: AlertState, now: number): boolean {
  return silences.some(
    (x) =>
      x.startsAt <= now &&
      now < x.endsAt &&
      matches(x.rule, s.rule) &&
      matches(x.modelId, s.modelId) &&
      matches(x.subject, s.subject),
  )
}

function notificationId(parts: readonly string[]): string {
  return createHash('sha1').update(parts.join('\u0000')).digest('hex').slice(0, 24)
}

export interface PlanInput {
  /** The steps of one metrics message's observations, in order. */
  steps: { observation: Observation; step: Step; previous: AlertState | undefined }[]
  silences: readonly Silence[]
  /** Wall time, for silences only. */
  now: number
  /** When each retraining webhook last fired for a model version (event time), by `webhook|model|version`. */
  lastRetrain: ReadonlyMap<string, number>
  retrainCooldownMs: (webhook: string) => number
  /** `public_url` of vigil.yaml, for the alerts' links; none when unset. */
  publicUrl?: string
  /** Signs the chart links (VIGIL_LINK_SECRET); none without it. */
  linkSecret?: string
}

export interface Plan {
  notifications: Notification[]
  /** Firing notification ids per target, to remember in the alert state for threads and resolutions. */
  firingNotices: Map<string, Record<string, string>>
  /** Retraining webhooks fired: `webhook|model|version` → window end. */
  retrains: Map<string, { at: number; notificationId: string }>
}

function view(
  o: Observation,
  step: Step,
  previous: AlertState | undefined,
  links: Pick<PlanInput, 'publicUrl' | 'linkSecret'>,
): AlertView {
  const { publicUrl, linkSecret } = links
  const episodeStart = step.state.since ?? previous?.since ?? o.windowStart
  return {
    key: o.key,
    rule: o.rule.name,
    severity: o.rule.severity,
    modelId: o.modelId,
    modelVersion: o.modelVersion,
    subject: o.subject,
    metric: `${o.rule.family}.${o.rule.metric}`,
    value: o.value,
    condition: formatCondition(o.rule.condition),
    episode: step.episode!,
    since: episodeStart,
    windowStart: o.windowStart,
    windowEnd: o.windowEnd,
    ...(o.rule.runbook ? { runbook: o.rule.runbook } : {}),
    ...(publicUrl && step.episode ? { url: `${publicUrl}/ui/alerts/${step.episode}` } : {}),
    ...(publicUrl && linkSecret && step.episode
      ? { chartUrl: signedChartUrl(publicUrl, linkSecret, step.episode) }
      : {}),
    labels: o.rule.labels,
  }
}

/**
 * Groups one evaluation's firing, repeat and resolved transitions into one notification per
 * target and kind, and fires each retraining webhook at most once per model version within its
 * cooldown. Silenced alerts are left out; a resolution or repeat goes only to the targets that
 * were told about the firing.
 */
export function plan(input: PlanInput): Plan {
  const groups = new Map<string, Notification>()
  const firingNotices = new Map<string, Record<string, string>>()
  const retrains = new Map<string, { at: number; notificationId: string }>()
  const add = (channel: Channel, target: string, kind: NotificationKind, v: AlertView, threadOf?: string) => {
    const gk = `${channel}\u0000${target}\u0000${kind}\u0000${threadOf ?? ''}`
    let n = groups.get(gk)
    if (!n) {
      n = {
        id: '',
        channel,
        target,
        kind,
        modelId: v.modelId,
        modelVersion: v.modelVersion,
        windowStart: v.windowStart,
        windowEnd: v.windowEnd,
        alerts: [],
        ...(threadOf ? { threadOf } : {}),
      }
      groups.set(gk, n)
    }
    n.alerts.push(v)
    return n
  }

  for (const { observation: o, step, previous } of input.steps) {
    const t = step.transition
    if (t !== 'firing' && t !== 'repeat' && t !== 'resolved') continue
    if (isSilenced(input.silences, step.state, input.now)) continue
    const v = view(o, step, previous, input)
    if (t === 'firing') {
      for (const spec of o.rule.notify) {
        const { channel, target } = parseTarget(spec)
        add(channel, target, 'firing', v)
      }
      if (o.rule.retrain) add('webhook', o.rule.retrain, 'retrain', v)
    } else {
      // Only the targets told about the firing hear about its repeat or end, in the same thread.
      const notices = previous?.firingNotices ?? {}
      for (const [spec, firingId] of Object.entries(notices)) {
        const { channel, target } = parseTarget(spec)
        add(channel, target, t, v, channel === 'slack' ? firingId : undefined)
      }
    }
  }

  const notifications: Notification[] = []
  for (const n of groups.values()) {
    n.alerts.sort((a, b) => a.key.localeCompare(b.key))
    n.id = notificationId([
      n.channel,
      n.target,
      n.kind,
      n.modelId,
      n.modelVersion,
      String(n.windowStart),
      ...n.alerts.map((a) => a.episode),
    ])
    if (n.kind === 'retrain') {
      const rk = `${n.target}|${n.modelId}|${n.modelVersion}`
      const last = input.lastRetrain.get(rk)
      if (last !== undefined && n.windowEnd - last < input.retrainCooldownMs(n.target)) continue
      retrains.set(rk, { at: n.windowEnd, notificationId: n.id })
    }
    if (n.kind === 'firing') {
      const spec =
        n.channel === 'alertmanager' || n.channel === 'pagerduty' ? n.channel : `${n.channel}:${n.target}`
      for (const a of n.alerts) {
        const notices = firingNotices.get(a.key) ?? {}
        notices[spec] = n.id
        firingNotices.set(a.key, notices)
      }
    }
    notifications.push(n)
  }
  return { notifications, firingNotices, retrains }
}
