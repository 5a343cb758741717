import { loadSilences, type Silence } from '@vigil/clickhouse'
import { ConfigError, checkChannels, type VigilConfig } from '@vigil/config'
import { createEventParser, type MetricsMessage } from '@vigil/events'
import { createStageConsumer, type Stage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import type { Service, ServiceDeps } from '@vigil/runtime'
import { emailSender } from './channels/email.js'
import { pagerDutySender } from './channels/pagerduty.js'
import { slackSender } from './channels/slack.js'
import type { ChannelSender } from './channels/types.js'
import { alertmanagerSender, webhookSender } from './channels/webhook.js'
import { alertChart } from './chart.js'
import { createHealthGauges, type HealthReadings, observeHealth } from './health.js'
import { createOutbox } from './outbox.js'
import { planBatch, type RulesEnv, type RulesState } from './steps/batch.js'
import type { AlertState } from './steps/lifecycle.js'
import type { Channel } from './steps/plan.js'
import { loadAlerts, loadRetrains } from './store.js'

export type RulesDeps = ServiceDeps

type RulesConfig = Pick<
  VigilConfig,
  'kafka' | 'rules' | 'alerting' | 'clickhouse' | 'file' | 'public_url' | 'link_secret'
>

/**
 * The rules service: consumes `vigil.metrics`, runs every message through the rules' lifecycle,
 * and makes the result durable before the offset is committed: new notifications into the
 * outbox, alert states into `alerts`, state changes onto `vigil.alerts`. The outbox delivers
 * them in the background. Invalid messages go to the DLQ with the reason.
 */
export function createRules(config: RulesConfig, deps: RulesDeps): Service {
  const { ch, registry } = deps
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
  }
  // The committed alert states and retrain times: changed only by a plan's `after`, once the
  // plan's writes are durable.
  const states = new Map<string, AlertState>()
  const lastRetrain = new Map<string, number>()
  const health = createHealthGauges(registry, { perFeature: alerting.model_metrics.per_feature })
  const readings: HealthReadings = new Map()
  async function reload(): Promise<void> {
    replace(states, await loadAlerts(ch))
    replace(lastRetrain, await loadRetrains(ch))
  }

  // One chart per firing notification and channel, drawn from the window tables when it is sent.
  const chart = alertChart(ch)
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
      chart,
    })
  if (alerting.email.smtp_url)
    senders.email = emailSender({
      smtpUrl: alerting.email.smtp_url,
      from: alerting.email.from,
      chart,
      log,
    })
  if (alerting.alertmanager) senders.alertmanager = alertmanagerSender({ url: alerting.alertmanager.url })
  if (alerting.pagerduty?.routing_key)
    senders.pagerduty = pagerDutySender({
      url: alerting.pagerduty.url,
      routingKey: alerting.pagerduty.routing_key,
    })
  const outbox = createOutbox({
    ch,
    senders,
    retry: alerting.retry,
    log,
    registry,
    handoverGraceMs: alerting.handover_grace,
  })

  const env: RulesEnv = {
    rules: config.rules,
    repeatIntervalMs: alerting.repeat_interval,
    retrainCooldownMs: (w) => alerting.webhooks[w]?.cooldown ?? 86_400_000,
    alertsTopic: config.kafka.topics.alerts,
    ...(config.public_url ? { publicUrl: config.public_url } : {}),
    ...(config.link_secret ? { linkSecret: config.link_secret } : {}),
  }

  const stage: Stage<RulesState, MetricsMessage, Silence[]> = {
    name: 'rules',
    groupId: alerting.group_id,
    inputs: { [config.kafka.topics.metrics]: { decode: (b) => parser.parse(b), invalid: 'dlq' } },
    // Another instance may have moved the alerts of partitions now assigned here: read them again.
    async load() {
      await reload()
      return { states, retrains: lastRetrain }
    },
    // The outbox delivers the notifications of the partitions this instance owns (docs/alerts.md).
    assigned: (tps) => outbox.assign(tps.map((tp) => tp.partition)),
    read: () => loadSilences(ch, Date.now()),
    plan(state, inputs, { tp, now, read: silences }) {
      const plan = planBatch(
        state,
        inputs.map((i) => i.event),
        { now, silences, partition: tp.partition },
        env,
      )
      const after = () => {
        plan.next.states.apply()
        plan.next.retrains.apply()
        const touched = observeHealth(
          readings,
          inputs.map((i) => i.event),
        )
        health.update(readings, states.values(), touched)
        outbox.add(plan.outbox)
        metrics.evaluated.inc(inputs.length)
        for (const transition of plan.transitions) metrics.transitions.inc({ transition })
      }
      return { ...plan, after }
    },
  }
  const consumer = createStageConsumer(stage, { ...deps, log, dlqTopic: config.kafka.topics.dlq })

  return {
    name: 'rules',
    async start() {
      const problems = await checkChannels(config)
      if (problems.length > 0) throw new ConfigError(problems)
      await reload()
      health.update(readings, states.values())
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

function replace<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear()
  for (const [k, v] of source) target.set(k, v)
}
