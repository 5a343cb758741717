import type { Silence } from '@vigil/clickhouse'
import type { Rule } from '@vigil/config'
import type { AlertEvent, MetricsMessage } from '@vigil/events'
import type { Plan, Write } from '@vigil/kafka'
import { Overlay } from '../overlay.js'
import { alertsWrite, historyWrite, notificationsWrite, type OutboxRow, retrainsWrite } from '../store.js'
import { evaluateMessage } from './evaluate.js'
import type { AlertState, Transition } from './lifecycle.js'

/** What the rules remember: every alert's state and when each retraining webhook last fired. */
export interface RulesState {
  states: Map<string, AlertState> | Overlay<string, AlertState>
  retrains: Map<string, number> | Overlay<string, number>
}

export interface RulesEnv {
  rules: readonly Rule[]
  repeatIntervalMs: number
  retrainCooldownMs: (webhook: string) => number
  alertsTopic: string
  /** `public_url` of vigil.yaml: notifications link to the alert's page there. */
  publicUrl?: string
  /** VIGIL_LINK_SECRET: with publicUrl, webhooks and PagerDuty get a signed link to the chart. */
  linkSecret?: string
}

export interface RulesPlan extends Plan<RulesState> {
  next: { states: Overlay<string, AlertState>; retrains: Overlay<string, number> }
  /** The new notifications' outbox rows, handed to the outbox once they are durable. */
  outbox: OutboxRow[]
  transitions: Transition[]
}

/** An alert state change for `vigil.alerts` (schemas/events/alert.v1.schema.json). */
export function alertEvent(
  s: AlertState,
  transition: AlertEvent['transition'],
  m: MetricsMessage,
  severity: Rule['severity'],
): AlertEvent {
  return {
    schema_version: 1,
    alert_key: s.key,
    rule: s.rule,
    model_id: s.modelId,
    model_version: s.modelVersion,
    subject: s.subject,
    transition,
    status: s.status,
    severity,
    value: s.value,
    episode: s.episode,
    window_start: m.window_start,
    window_end: m.window_end,
  }
}

/**
 * The metrics messages of a batch through the rules, on overlays of the alert states and retrain
 * times (the state given is left as it was). Writes: notifications first, alert states last —
 * the states are what a restart resumes from, so they are saved only once everything the batch
 * causes is durable. Planned again from the same state, it gives the same notification ids and
 * rows (deduplicated) and the same `vigil.alerts` events.
 */
export function planBatch(
  state: RulesState,
  messages: readonly MetricsMessage[],
  ctx: { now: number; silences: readonly Silence[]; partition: number },
  env: RulesEnv,
): RulesPlan {
  const states = Overlay.over(state.states)
  const retrains = Overlay.over(state.retrains)
  const notifications = []
  const changed = new Map<string, { state: AlertState; severity: string }>()
  const events: AlertEvent[] = []
  const fired = new Map<string, { at: number; notificationId: string }>()
  const transitions: Transition[] = []
  for (const m of messages) {
    const { plan: p, changes } = evaluateMessage(env.rules, m, {
      states,
      repeatIntervalMs: env.repeatIntervalMs,
      silences: ctx.silences,
      now: ctx.now,
      lastRetrain: retrains,
      retrainCooldownMs: env.retrainCooldownMs,
      ...(env.publicUrl ? { publicUrl: env.publicUrl } : {}),
      ...(env.linkSecret ? { linkSecret: env.linkSecret } : {}),
    })
    for (const { observation: o, state: s, transition } of changes) {
      states.set(o.key, s)
      changed.set(s.key, { state: s, severity: o.rule.severity })
      if (transition) {
        transitions.push(transition)
        events.push(alertEvent(s, transition, m, o.rule.severity))
      }
    }
    for (const [k, v] of p.retrains) {
      retrains.set(k, v.at)
      fired.set(k, v)
    }
    notifications.push(...p.notifications)
  }
  const outbox = notificationsWrite(notifications, ctx.partition)
  const writes: Write[] = []
  if (notifications.length > 0) writes.push(outbox.write)
  if (fired.size > 0) writes.push(retrainsWrite(fired))
  if (events.length > 0)
    writes.push(historyWrite(events), {
      topic: env.alertsTopic,
      messages: events.map((e) => ({ key: e.model_id, value: JSON.stringify(e) })),
    })
  if (changed.size > 0) writes.push(alertsWrite([...changed.values()]))
  return { next: { states, retrains }, writes, outbox: outbox.rows, transitions }
}
