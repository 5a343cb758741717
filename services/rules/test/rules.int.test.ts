import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { queryRows, saveSilence } from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { createEventParser, type MetricsMessage } from '@vigil/events'
import { readDlqHeaders } from '@vigil/kafka'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { type RunningProcess, startProcess } from '@vigil/runtime'
import {
  ARTIFACTS,
  createTestTopics,
  driftWindowRows,
  makeDriftMetrics as metrics,
  pagerDutyStandIn,
  publish,
  readTopic,
  refuseWrites,
  slackStandIn,
  smtpStandIn,
  testConfig,
  testKafka,
  waitFor,
  webhookReceiver,
} from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createRules } from '../src/service.js'

const H = 3_600_000
const SECRET = 'whsec-test-0123456789'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function setup(options: { smtpDown?: boolean; webhookDown?: boolean; maxAttempts?: number } = {}) {
  const slack = await slackStandIn()
  const smtp = await smtpStandIn()
  if (options.smtpDown) await smtp.reservePort()
  else await smtp.start()
  const hooks = await webhookReceiver(SECRET)
  const pagerduty = await pagerDutyStandIn()
  pagerduty.failNext(1) // a PagerDuty hiccup: retried, and each incident still opens once
  cleanup.push(slack.close, smtp.stop, hooks.close, pagerduty.close)
  const notifyUrl = options.webhookDown ? 'http://127.0.0.1:9/closed' : hooks.url('/notify')
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'))
  const file = join(dir, 'vigil.yaml')
  writeFileSync(
    file,
    `alerting:
  retry: { max_attempts: ${options.maxAttempts ?? 12}, initial_backoff: 200ms, max_backoff: 1s }
  email: { from: vigil@example.com }
  allow_private: [127.0.0.1]
  webhooks:
    oncall-hook: { url: "${notifyUrl}", secret_env: HOOK_SECRET, timeout: 2s }
    retrain-fraud: { url: "${hooks.url('/retrain')}", kind: retrain, secret_env: HOOK_SECRET }
  pagerduty: { routing_key_env: PD_ROUTING_KEY, url: "${pagerduty.url}" }
rules:
  - name: feature-psi
    model: fraud
    metric: drift.psi
    feature: "*"
    when: "> 0.2"
    severity: critical
    notify: ["slack:#ml-alerts", "email:oncall@example.com", "webhook:oncall-hook", "pagerduty"]
    retrain: retrain-fraud
    runbook: https://runbooks.example.com/drift
`,
  )
  const config = testConfig({
    name: 'rules',
    env: {
      VIGIL_CONFIG: file,
      SLACK_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: slack.url,
      SMTP_URL: smtp.url(),
      HOOK_SECRET: SECRET,
      PD_ROUTING_KEY: 'pd-routing-key-0123456789abcdef',
    },
  })
  await createTestTopics(config)
  return { config, slack, smtp, hooks, pagerduty }
}

async function start(config: VigilConfig): Promise<RunningProcess> {
  const proc = await startProcess(config, [createRules], {
    log: createLogger({ name: 'test', level: config.log_level }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  cleanup.push(() => proc.stop())
  return proc
}

async function send(config: VigilConfig, messages: MetricsMessage[]) {
  await publish(testKafka(config), config.kafka.topics.metrics, messages)
}

/** alert_history as `subject transition`, in window order. */
async function historyOf(proc: RunningProcess): Promise<string[]> {
  const rows = await queryRows<{ subject: string; transition: string }>(
    proc.deps.ch,
    'SELECT subject, transition FROM {db:Identifier}.alert_history FINAL ORDER BY window_start, subject',
  )
  return rows.map((h) => `${h.subject} ${h.transition}`)
}

async function outbox(proc: RunningProcess) {
  return queryRows<{ channel: string; kind: string; status: string; attempts: number; last_error: string }>(
    proc.deps.ch,
    'SELECT channel, kind, status, attempts, last_error FROM {db:Identifier}.notifications FINAL ORDER BY created_at, channel, kind',
  )
}

describe('rules service with local Slack, SMTP and webhook stand-ins', () => {
  it('notifies and publishes every change once when ClickHouse refuses writes as a firing window arrives', async () => {
    const { config, slack, smtp, hooks } = await setup()
    const proc = await start(config)
    // Writes fail at the client boundary (reads work) while the firing and resolving windows arrive.
    const outage = refuseWrites(proc.deps.ch)
    await send(config, [
      metrics(0, { amount: 0.5, age: 0.4, zip: 0.01 }),
      metrics(1, { amount: 0.6, age: 0.3, zip: 0.02 }),
      metrics(2, { amount: 0.05, age: 0.01, zip: 0.02 }),
    ])
    expect(await waitFor(async () => outage.refused() >= 1, 30_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 3000)) // the batch is retried while writes fail
    outage.restore()
    const done = async () => slack.posts.length >= 2 && smtp.mails.length >= 2 && hooks.deliveries.length >= 3
    expect(
      await waitFor(done, 60_000),
      JSON.stringify([slack.posts.length, smtp.mails.length, hooks.deliveries.length]),
    ).toBe(true)
    await new Promise((r) => setTimeout(r, 500)) // nothing more arrives
    expect(slack.posts.map((p) => [p.channel, p.threadTs])).toEqual([
      ['#ml-alerts', undefined],
      ['#ml-alerts', slack.posts[0]!.ts],
    ])
    expect(slack.posts[0]!.text).toBe('[CRITICAL] fraud v1: feature-psi firing (age, amount)')
    expect(smtp.mails.map((m) => m.subject)).toEqual([
      '[CRITICAL] fraud v1: feature-psi firing (age, amount)',
      '[RESOLVED] fraud v1: feature-psi (age, amount)',
    ])
    expect(hooks.deliveries.map((d) => d.body.kind).sort()).toEqual(['firing', 'resolved', 'retrain'])
    const events = await readTopic(testKafka(config), config.kafka.topics.alerts, 4, 10_000)
    const alertContract = createEventParser('alert')
    expect(events.map((e) => alertContract.parse(String(e.value))).filter((r) => !r.ok)).toEqual([])
    const changes = [...new Set(events.map((e) => String(e.value)))].map(
      (v) => JSON.parse(v) as { subject: string; transition: string },
    )
    expect(changes.map((e) => `${e.subject} ${e.transition}`).sort()).toEqual([
      'age firing',
      'age resolved',
      'amount firing',
      'amount resolved',
    ])
    expect(await historyOf(proc)).toEqual(['age firing', 'amount firing', 'age resolved', 'amount resolved'])
  })

  it('fires once per channel for the features that break together, then resolves in the thread', async () => {
    const { config, slack, smtp, hooks, pagerduty } = await setup()
    const proc = await start(config)
    const windows = [
      metrics(0, { amount: 0.5, age: 0.4, zip: 0.01 }),
      metrics(1, { amount: 0.6, age: 0.3, zip: 0.02 }), // still firing, before the repeat interval
      metrics(2, { amount: 0.05, age: 0.01, zip: 0.02 }),
    ]
    // The drift service writes its windows before it publishes them; the alert's chart reads them.
    await proc.deps.ch.client.insert({
      table: `${proc.deps.ch.database}.drift_windows`,
      format: 'JSONEachRow',
      values: driftWindowRows([
        metrics(-2, { amount: 0.04, age: 0.03, zip: 0.01 }),
        metrics(-1, { amount: 0.06, age: 0.05, zip: 0.02 }),
        ...windows,
      ]),
    })
    await send(config, windows)
    const done = async () =>
      slack.posts.length >= 2 &&
      slack.uploads.length >= 1 &&
      smtp.mails.length >= 2 &&
      hooks.deliveries.length >= 3 &&
      pagerduty.events.length >= 4
    expect(
      await waitFor(done, 30_000),
      JSON.stringify([slack.posts.length, smtp.mails.length, hooks.deliveries.length]),
    ).toBe(true)
    await new Promise((r) => setTimeout(r, 500)) // nothing more arrives

    expect(slack.posts.map((p) => [p.channel, p.threadTs])).toEqual([
      ['#ml-alerts', undefined],
      ['#ml-alerts', slack.posts[0]!.ts],
    ])
    expect(slack.posts[0]!.text).toBe('[CRITICAL] fraud v1: feature-psi firing (age, amount)')
    expect(slack.posts[1]!.text).toMatch(/^\[RESOLVED\] fraud v1/)
    expect(JSON.stringify(slack.posts[0]!.blocks)).toContain('runbooks.example.com')
    // Acknowledge and Silence 2 h on the firing message (POST /v1/slack/interactions answers them).
    const actions = (slack.posts[0]!.blocks as { type: string; elements?: { action_id: string }[] }[]).find(
      (b) => b.type === 'actions',
    )
    expect(actions?.elements?.map((e) => e.action_id)).toEqual(['vigil_acknowledge', 'vigil_silence_2h'])
    expect(smtp.mails.map((m) => [m.to, m.subject])).toEqual([
      ['oncall@example.com', '[CRITICAL] fraud v1: feature-psi firing (age, amount)'],
      ['oncall@example.com', '[RESOLVED] fraud v1: feature-psi (age, amount)'],
    ])
    expect(hooks.deliveries.every((d) => d.valid)).toBe(true)
    expect(hooks.deliveries.map((d) => d.contractProblem).filter(Boolean)).toEqual([])
    const kinds = hooks.deliveries.map((d) => d.body.kind).sort()
    expect(kinds).toEqual(['firing', 'resolved', 'retrain'])
    const retrain = hooks.deliveries.find((d) => d.body.kind === 'retrain')!.body as {
      model: unknown
      training_data: { query: string; params: Record<string, string> }
    }
    expect(retrain.model).toEqual({ id: 'fraud', version: 'v1' })
    expect(retrain.training_data.params).toMatchObject({ model_id: 'fraud', model_version: 'v1' })
    // Every delivery carries its own idempotency key; none arrived twice.
    const keys = [
      ...slack.posts.map((p) => p.key),
      ...smtp.mails.map((m) => m.key),
      ...hooks.deliveries.map((d) => d.key),
    ]
    expect(new Set(keys).size).toBe(keys.length)

    const alerts = await queryRows<{ subject: string; status: string }>(
      proc.deps.ch,
      'SELECT subject, status FROM {db:Identifier}.alerts FINAL ORDER BY subject',
    )
    expect(alerts).toEqual([
      { subject: 'age', status: 'inactive' },
      { subject: 'amount', status: 'inactive' },
      { subject: 'zip', status: 'inactive' },
    ])
    const events = await readTopic(testKafka(config), config.kafka.topics.alerts, 4, 10_000)
    const alertContract = createEventParser('alert')
    expect(events.map((e) => alertContract.parse(String(e.value))).filter((r) => !r.ok)).toEqual([])
    expect(events.map((e) => JSON.parse(String(e.value)).transition).sort()).toEqual([
      'firing',
      'firing',
      'resolved',
      'resolved',
    ])
    // The same changes, kept in ClickHouse for the API's history.
    expect(await historyOf(proc)).toEqual(['age firing', 'amount firing', 'age resolved', 'amount resolved'])
    // The chart went into the firing message's thread; the firing message now says it resolved.
    expect(slack.uploads.map((u) => [u.channel, u.threadTs])).toEqual([['C_ml-alerts', slack.posts[0]!.ts]])
    const png = slack.uploads[0]!.bytes
    mkdirSync(ARTIFACTS, { recursive: true })
    writeFileSync(join(ARTIFACTS, 'alert-chart.png'), png)
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect([png.readUInt32BE(16), png.readUInt32BE(20) > 300]).toEqual([1280, true])
    // The email carries the same chart inline, in its HTML part.
    expect(smtp.mails[0]!.raw).toMatch(/Content-Type: image\/png/i)
    expect(smtp.mails[0]!.raw).toMatch(/Content-ID: <vigil-alert-chart>/i)
    expect(smtp.mails[0]!.raw).toContain('cid:vigil-alert-chart')
    expect(smtp.mails[1]!.raw).not.toMatch(/image\/png/i) // the resolution: no chart
    expect(slack.updates).toEqual([
      { channel: 'C_ml-alerts', ts: slack.posts[0]!.ts, text: slack.posts[1]!.text },
    ])
    // PagerDuty: an incident per alert episode, triggered once and resolved by the same dedup_key.
    const pd = pagerduty.events as {
      event_action: string
      dedup_key: string
      routing_key: string
      payload?: Record<string, unknown>
    }[]
    expect(pd.map((e) => e.event_action)).toEqual(['trigger', 'trigger', 'resolve', 'resolve'])
    expect(new Set(pd.map((e) => e.dedup_key)).size).toBe(2)
    expect(
      pd
        .slice(2)
        .map((e) => e.dedup_key)
        .sort(),
    ).toEqual(
      pd
        .slice(0, 2)
        .map((e) => e.dedup_key)
        .sort(),
    )
    expect(pd[0]).toMatchObject({
      routing_key: 'pd-routing-key-0123456789abcdef',
      payload: { severity: 'critical', source: 'vigil/fraud', group: 'feature-psi', class: 'drift.psi' },
      links: [{ href: 'https://runbooks.example.com/drift', text: 'Runbook' }],
    })
    // Model health on /metrics: the last window's reading, nothing firing any more.
    const scraped = await (await fetch(`http://127.0.0.1:${proc.httpPort}/metrics`)).text()
    expect(scraped).toContain('vigil_model_drift_share{model="fraud"} 0')
    expect(scraped).toContain('vigil_model_alerts_firing{model="fraud"} 0')
    expect(scraped).toMatch(/vigil_model_window_end_timestamp_seconds\{model="fraud",family="drift"\} \d+/)
  })

  it('waits out a Slack 429, delivers email once SMTP is back, and gives up visibly on a dead receiver', async () => {
    const { config, slack, smtp } = await setup({ smtpDown: true, webhookDown: true, maxAttempts: 5 })
    slack.replies.push({ status: 429, retryAfter: 1 })
    const proc = await start(config)
    await send(config, [metrics(0, { amount: 0.5 })])

    expect(await waitFor(async () => slack.posts.length === 1, 20_000)).toBe(true)
    // The retry came no sooner than Retry-After.
    expect(slack.calls[1]! - slack.calls[0]!).toBeGreaterThanOrEqual(1000)

    await new Promise((r) => setTimeout(r, 800))
    expect(smtp.mails).toHaveLength(0)
    await smtp.start()
    expect(await waitFor(async () => smtp.mails.length === 1, 20_000)).toBe(true)

    const failed = async () =>
      (await outbox(proc)).some(
        (r) => r.channel === 'webhook' && r.kind === 'firing' && r.status === 'failed',
      )
    expect(await waitFor(failed, 20_000)).toBe(true)
    const rows = await outbox(proc)
    const hook = rows.find((r) => r.channel === 'webhook' && r.kind === 'firing')!
    expect(Number(hook.attempts)).toBe(5)
    expect(hook.last_error).toMatch(/127\.0\.0\.1:9/)
    const [alert] = await queryRows<{ status: string }>(
      proc.deps.ch,
      'SELECT status FROM {db:Identifier}.alerts FINAL',
    )
    expect(alert!.status).toBe('firing')
    await new Promise((r) => setTimeout(r, 500))
    expect(slack.posts).toHaveLength(1)
    expect(smtp.mails).toHaveLength(1)
  })

  it('keeps silenced alerts quiet, and sends a malformed metrics message to the DLQ with the reason', async () => {
    const { config, slack } = await setup()
    const proc = await start(config)
    await saveSilence(proc.deps.ch, {
      rule: '*',
      modelId: 'fraud',
      subject: 'amount',
      startsAt: Date.now() - 1000,
      endsAt: Date.now() + H,
      comment: 'known: new pricing launched',
      author: 'test',
    })
    await publish(testKafka(config), config.kafka.topics.metrics, [
      { not: 'a metrics message' },
      metrics(0, { amount: 0.9, age: 0.5 }),
    ])
    expect(await waitFor(async () => slack.posts.length === 1, 20_000)).toBe(true)
    expect(slack.posts[0]!.text).toBe('[CRITICAL] fraud v1: feature-psi firing (age)')
    const [dead] = await readTopic(testKafka(config), config.kafka.topics.dlq, 1, 10_000)
    expect(readDlqHeaders(dead!.headers).reason).toMatch(/schema_version/)
  })
})
