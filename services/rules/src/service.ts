import { loadSilences, type Silence } from '@vigil/clickhouse'
import { ConfigError, checkChannels, type Rule, type VigilConfig } from '@vigil/config'
import { type AlertEvent, createEventParser, type MetricsMessage } from '@vigil/events'
import { createBatchConsumer, type KafkaMessage, toDlqMessage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import type { Service, ServiceDeps } from '@vigil/runtime'
import { emailSender } from './channels/email.js'
import { slackSender } from './channels/slack.js'
import type { ChannelSender } from './channels/types.js'
import { alertmanagerSender, webhookSender } from './channels/webhook.js'
import { createOutbox } from './outbox.js'
import { Overlay } from './overlay.js'
import { evaluateMessage } from './steps/evaluate.js'
import type { AlertState } from './steps/lifecycle.js'
import type { Channel, Notification } from './steps/plan.js'
import {
  enqueueNotifications,
  loadAlerts,
  loadRetrains,
  saveAlertHistory,
  saveAlerts,
  saveRetrains,
} from './store.js'

export type RulesDeps = ServiceDeps

type RulesConfig = Pick<VigilConfig, 'kafka' | 'rules' | 'alerting' | 'clickhouse' | 'file'>

/** An alert state change for `vigil.alerts` (schemas/events/alert.v1.schema.json). */
function alertEvent(
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
 * The rules service: consumes `vigil.metrics`, runs every message through the rules' lifecycle,
 * and makes the result durable before the offset is committed: new notifications into the
 * outbox, alert states into `alerts`, state changes onto `vigil.alerts`. The outbox delivers
 * them in the background. Invalid messages go to the DLQ with the reason.
 */
export function createRules(config: RulesConfig, deps: RulesDeps): Service {
  const { kafka, producer, ch, registry } = deps
  const log = deps.log.child({ service: 'rules' })
  const parser = createEventParser('metrics', { maxBytes: 4 * 1024 * 1024 })
  const { alerting } = config
  const metrics = {
    evaluated: new Counter({
      name: 'vigil_rules_messages_total',
      help: 'Metrics messages evaluated against the rules',
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'vigil_alert_transitions_total',
      help: 'Alert state changes by transition',
      labelNames: ['transition'] as const,
      registers: [registry],
    }),
    invalid: new Counter({
      name: 'vigil_rules_dlq_total',
      help: 'Metrics messages sent to the DLQ',
      registers: [registry],
    }),
  }
  let states = new Map<string, AlertState>()
  let lastRetrain = new Map<string, number>()
  let reloadStates = false

  const senders: Partial<Record<Channel, ChannelSender>> = {
    webhook: webhookSender({
      webhooks: alerting.webhooks,
      policy: { allowPrivate: alerting.allow_private },
      database: config.clickhouse.database,
    }),
  }
  if (alerting.slack.token)
    senders.slack = slackSender({
      token: alerting.slack.token,
      ...(alerting.slack.api_url ? { apiUrl: alerting.slack.api_url } : {}),
      log,
    })
  if (alerting.email.smtp_url)
    senders.email = emailSender({ smtpUrl: alerting.email.smtp_url, from: alerting.email.from })
  if (alerting.alertmanager) senders.alertmanager = alertmanagerSender({ url: alerting.alertmanager.url })
  const outbox = createOutbox({ ch, senders, retry: alerting.retry, log, registry })

  /**
   * Runs one message through the rules on the batch's overlays of the alert states and retrain
   * times; returns what must be made durable. The committed maps change only after it is.
   */
  function evaluate(
    m: MetricsMessage,
    silences: readonly Silence[],
    now: number,
    batchStates: Overlay<string, AlertState>,
    batchRetrains: Overlay<string, number>,
  ) {
    const { plan: p, changes } = evaluateMessage(config.rules, m, {
      states: batchStates,
      repeatIntervalMs: alerting.repeat_interval,
      silences,
      now,
      lastRetrain: batchRetrains,
      retrainCooldownMs: (w) => alerting.webhooks[w]?.cooldown ?? 86_400_000,
    })
    const changed: { state: AlertState; severity: string }[] = []
    const events: AlertEvent[] = []
    for (const { observation: o, state, transition } of changes) {
      batchStates.set(o.key, state)
      changed.push({ state, severity: o.rule.severity })
      if (transition) {
        metrics.transitions.inc({ transition })
        events.push(alertEvent(state, transition, m, o.rule.severity))
      }
    }
    for (const [k, v] of p.retrains) batchRetrains.set(k, v.at)
    return { notifications: p.notifications, changed, events, retrains: p.retrains }
  }

  async function handleBatch(batch: { topic: string; partition: number; messages: KafkaMessage[] }) {
    const invalid: { message: KafkaMessage; reason: string }[] = []
    const notifications: Notification[] = []
    const changed = new Map<string, { state: AlertState; severity: string }>()
    const events: AlertEvent[] = []
    const retrains = new Map<string, { at: number; notificationId: string }>()
    if (reloadStates) {
      states = await loadAlerts(ch)
      lastRetrain = await loadRetrains(ch)
      reloadStates = false
    }
    const now = Date.now()
    const silences = await loadSilences(ch, now)
    // A batch whose writes fail must not have changed what later batches (or its retry) see.
    const batchStates = new Overlay(states)
    const batchRetrains = new Overlay(lastRetrain)
    for (const message of batch.messages) {
      const parsed = parser.parse(message.value ?? Buffer.alloc(0))
      if (!parsed.ok) {
        invalid.push({ message, reason: parsed.reason })
        continue
      }
      metrics.evaluated.inc()
      const r = evaluate(parsed.value, silences, now, batchStates, batchRetrains)
      notifications.push(...r.notifications)
      for (const c of r.changed) changed.set(c.state.key, c)
      events.push(...r.events)
      for (const [k, v] of r.retrains) retrains.set(k, v)
    }
    if (invalid.length > 0) {
      const source = { topic: batch.topic, partition: batch.partition, service: 'rules', step: 'validate' }
      await producer.send(
        config.kafka.topics.dlq,
        invalid.map((i) => toDlqMessage(i.message, source, i.reason)),
      )
      metrics.invalid.inc(invalid.length)
    }
    // Notifications first, alert states last: the states are what a restart resumes from, so
    // they are saved only once everything the batch causes is durable. A crash or a failed write
    // before then evaluates the batch again from the earlier states: the same notification ids
    // and history rows (deduplicated), the same vigil.alerts events (at least once).
    const rows = await enqueueNotifications(ch, notifications)
    await saveRetrains(ch, retrains)
    await saveAlertHistory(ch, events)
    await producer.send(
      config.kafka.topics.alerts,
      events.map((e) => ({ key: e.model_id, value: JSON.stringify(e) })),
    )
    await saveAlerts(ch, [...changed.values()])
    batchStates.apply()
    batchRetrains.apply()
    outbox.add(rows)
  }

  const consumer = createBatchConsumer({
    kafka,
    name: 'rules',
    groupId: alerting.group_id,
    topics: [config.kafka.topics.metrics],
    log,
    registry,
    handleBatch,
    // Another instance may have moved the alerts of partitions now assigned here: reload before
    // the next batch (inside it, so a reload never races an evaluation).
    onRebalance: () => {
      reloadStates = true
    },
  })

  return {
    name: 'rules',
    async start() {
      const problems = await checkChannels(config)
      if (problems.length > 0) throw new ConfigError(problems)
      states = await loadAlerts(ch)
      lastRetrain = await loadRetrains(ch)
      await outbox.load()
      log.info(
        {
          rules: config.rules.length,
          alerts: states.size,
          firing: [...states.values()].filter((s) => s.status === 'firing').length,
        },
        'rules loaded',
      )
      outbox.start()
      await consumer.start()
    },
    async stop() {
      await consumer.stop()
      await outbox.stop()
    },
    health() {
      const h = consumer.health()
      return {
        live: h.live,
        ready: h.running && h.sinkHealthy,
        detail: { ...h, pendingNotifications: outbox.pending() },
      }
    },
  }
}
