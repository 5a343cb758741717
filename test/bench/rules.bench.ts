// `npm run bench:rules`: (1) how many metrics messages per second the pure evaluation keeps up
// with against 1,000 rules; (2) the time from a vigil.metrics message being acknowledged by the
// broker to the Slack stand-in receiving its alert, over 1,000 alerts, on the real broker and
// embedded ClickHouse — once paced (BENCH_RATE messages/s) and once as a burst of all of them.
// The alerts go to BENCH_CHANNELS Slack channels (each model's rule names its team's channel): vigil sends a
// channel at most a burst of 5 and then 1 message a second, as Slack asks.
// (3) The same paced, for BENCH_CHART_ALERTS models whose last 24 windows are in drift_windows:
// the alert's chart is drawn from them and uploaded into its thread; latency to the post and to
// the upload.
//   BENCH_ALERTS (default 1000), BENCH_RATE (default 20), BENCH_RULES (default 1000),
//   BENCH_CHANNELS (default 50), BENCH_CHART_ALERTS (default 200).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Rule } from '@vigil/config'
import type { MetricsMessage } from '@vigil/events'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { createRules } from '@vigil/rules'
import { type AlertChange, evaluateMessage } from '@vigil/rules/bench'
import { startProcess } from '@vigil/runtime'
import {
  createTestTopics,
  driftWindowRows,
  makeDriftMetrics,
  publish,
  slackStandIn,
  testConfig,
  testKafka,
  waitFor,
} from '@vigil/testing'
import { ensureBroker, report } from './common.js'

const ALERTS = Number(process.env.BENCH_ALERTS ?? 1000)
const RATE = Number(process.env.BENCH_RATE ?? 20)
const RULES = Number(process.env.BENCH_RULES ?? 1000)
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 50)
const CHART_ALERTS = Number(process.env.BENCH_CHART_ALERTS ?? 200)
const H = 3_600_000

/** 20 features, `drifted` of them above a PSI of 0.2. */
function driftMessage(model: string, w: number, drifted: number): MetricsMessage {
  const psi = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i < drifted ? 0.35 : 0.02]))
  return makeDriftMetrics(w, psi, {
    model_id: model,
    quality: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, { missing_rate: 0.01 }])),
  })
}

/**
 * A rule set like a large deployment's: per-model rules for 100 models over drift and quality
 * metrics, with exact, glob and `*` feature selectors, and a few fleet-wide rules.
 */
function ruleSet(n: number): Rule[] {
  const shapes: Pick<Rule, 'family' | 'metric' | 'feature' | 'condition'>[] = [
    { family: 'drift', metric: 'psi', feature: '*', condition: { op: '>', value: 0.2 } },
    { family: 'drift', metric: 'psi', feature: 'f1*', condition: { op: '>', value: 0.1 } },
    { family: 'drift', metric: 'drift_share', condition: { op: '>=', value: 0.3 } },
    { family: 'quality', metric: 'missing_rate', feature: '*', condition: { op: '>', value: 0.05 } },
    { family: 'drift', metric: 'psi', feature: 'f3', condition: { op: 'outside', low: 0, high: 0.25 } },
  ]
  return Array.from({ length: n }, (_, i) => ({
    name: `rule-${i}`,
    model: i < 10 ? '*' : `model-${i % 100}`,
    ...shapes[i % shapes.length]!,
    for: 1 + (i % 3),
    min_samples: 100,
    min_label_coverage: 0,
    severity: i % 2 ? 'warning' : 'critical',
    notify: ['slack:#ml-alerts'],
    labels: {},
  }))
}

/** Part 1: evaluateMessage over a stream of windows for 100 models, alert state carried along. */
function evaluationRate() {
  const rules = ruleSet(RULES)
  const states = new Map<string, AlertChange['state']>()
  const context = {
    states,
    repeatIntervalMs: 4 * H,
    silences: [],
    now: Date.now(),
    lastRetrain: new Map<string, number>(),
    retrainCooldownMs: () => 24 * H,
  }
  // Every message a new window (re-published windows are skipped cheaply, which would flatter
  // the figure); how many features drift varies, so alerts go pending, fire and resolve.
  const windows = (from: number, count: number) =>
    Array.from({ length: count * 100 }, (_, i) =>
      driftMessage(`model-${i % 100}`, from + Math.floor(i / 100), (i * 7 + Math.floor(i / 100)) % 6),
    )
  let changed = 0
  let notifications = 0
  const run = (messages: MetricsMessage[]) => {
    for (const m of messages) {
      const { plan, changes } = evaluateMessage(rules, m, context)
      for (const c of changes) states.set(c.observation.key, c.state)
      changed += changes.length
      notifications += plan.notifications.length
    }
  }
  run(windows(0, 50)) // warm-up: JIT, and the alert states the measured run starts from
  changed = 0
  notifications = 0
  const measured = windows(50, 400)
  const t = performance.now()
  run(measured)
  const seconds = (performance.now() - t) / 1000
  const evaluated = measured.length
  const perSec = evaluated / seconds
  return {
    messagesPerSec: perSec,
    ruleEvaluationsPerSec: perSec * rules.length,
    alertChangesPerMessage: changed / evaluated,
    notificationsPerMessage: notifications / evaluated,
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Part 2: the rules service on the real broker; latency per alert from the acknowledged send. */
async function deliveryLatency() {
  const slack = await slackStandIn()
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rules-'))
  const file = join(dir, 'vigil.yaml')
  // Model selectors are exact ids or `*`: one rule per model, each team's models to its channel.
  const modelName = (prefix: string, i: number) => `team${i % CHANNELS}-${prefix}-${i}`
  const counts: Record<string, number> = { paced: ALERTS, burst: ALERTS, charted: CHART_ALERTS }
  const rules = Object.entries(counts).flatMap(([prefix, n]) =>
    Array.from(
      { length: n },
      (_, i) => `  - name: psi-${modelName(prefix, i)}
    model: ${modelName(prefix, i)}
    metric: drift.psi
    feature: "*"
    when: "> 0.2"
    severity: critical
    notify: ["slack:#team-${i % CHANNELS}"]
`,
    ),
  )
  writeFileSync(file, `rules:\n${rules.join('')}`)
  const config = testConfig({
    name: 'brules',
    env: { VIGIL_CONFIG: file, SLACK_TOKEN: 'xoxb-bench', SLACK_API_URL: slack.url, LOG_LEVEL: 'warn' },
  })
  await createTestTopics(config)
  const proc = await startProcess(config, [createRules], {
    log: createLogger({ name: 'bench', level: 'warn' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  const kafka = testKafka(config)
  const sentAt = new Map<string, number>()
  const modelOf = (text: string) => /^\[CRITICAL\] (\S+) /.exec(text)?.[1] ?? ''

  async function measure(prefix: string, pace: number | undefined) {
    const before = slack.posts.length
    const uploadsBefore = slack.uploads.length
    const t = performance.now()
    const n = counts[prefix]!
    const models = Array.from({ length: n }, (_, i) => modelName(prefix, i))
    if (pace) {
      for (const [i, model] of models.entries()) {
        const due = t + (i * 1000) / pace
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
        await publish(kafka, config.kafka.topics.metrics, [driftMessage(model, 0, 3)])
        sentAt.set(model, Date.now())
      }
    } else {
      const at = Date.now()
      await publish(
        kafka,
        config.kafka.topics.metrics,
        models.map((m) => driftMessage(m, 0, 3)),
      )
      for (const m of models) sentAt.set(m, at)
    }
    const charted = prefix === 'charted'
    if (!(await waitFor(async () => slack.posts.length - before >= n, 300_000)))
      throw new Error(`only ${slack.posts.length - before} of ${n} alerts reached Slack`)
    const seconds = (performance.now() - t) / 1000
    // Charts follow, at most 50 waiting (the rest of a burst goes without): until none comes for 3 s.
    if (charted) {
      let last = -1
      let still = 0
      while (still < 3 && last !== n) {
        await new Promise((r) => setTimeout(r, 1000))
        const now = slack.uploads.length - uploadsBefore
        still = now === last ? still + 1 : 0
        last = now
      }
    }
    const stats = (ls: number[]) => {
      const sorted = [...ls].sort((a, b) => a - b)
      if (sorted.some((l) => !Number.isFinite(l))) throw new Error('a Slack delivery matched no sent message')
      return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! }
    }
    const post = stats(slack.posts.slice(before).map((p) => p.at - sentAt.get(modelOf(p.text))!))
    const upload = charted
      ? stats(
          slack.uploads
            .slice(uploadsBefore)
            .map((u) => u.at - sentAt.get(/^vigil-(.+)-psi-/.exec(u.filename)?.[1] ?? '')!),
        )
      : undefined
    return {
      ...post,
      seconds,
      ...(upload ? { upload: { ...upload, charts: slack.uploads.length - uploadsBefore } } : {}),
    }
  }

  /** The last 24 windows of each charted model's drifted features, as the drift service writes them. */
  async function chartedHistory() {
    const values = driftWindowRows(
      Array.from({ length: CHART_ALERTS }, (_, i) => modelName('charted', i)).flatMap((model) =>
        Array.from({ length: 24 }, (_, k) => driftMessage(model, k - 23, k === 23 ? 3 : 0)),
      ),
      3,
    )
    await proc.deps.ch.client.insert({
      table: `${proc.deps.ch.database}.drift_windows`,
      values,
      format: 'JSONEachRow',
    })
  }

  try {
    const paced = await measure('paced', RATE)
    const burst = await measure('burst', undefined)
    await chartedHistory()
    const charted = await measure('charted', RATE)
    return { paced, burst, charted }
  } finally {
    await proc.stop()
    await slack.close()
  }
}

const stopBroker = ensureBroker()
try {
  const evaluation = evaluationRate()
  const delivery = await deliveryLatency()
  report(
    [
      ['rules', `${RULES} (100 models, drift and quality, exact/glob/* selectors)`],
      ['evaluateMessage, 20-feature drift messages', `${Math.round(evaluation.messagesPerSec)} messages/s`],
      ['  rule × message evaluations', `${Math.round(evaluation.ruleEvaluationsPerSec)} /s`],
      [
        '  alert state changes, notifications per message',
        `${evaluation.alertChangesPerMessage.toFixed(1)}, ${evaluation.notificationsPerMessage.toFixed(2)}`,
      ],
      [
        `metrics message → Slack, ${ALERTS} alerts at ${RATE}/s over ${CHANNELS} channels`,
        `p50 ${delivery.paced.p50} ms, p99 ${delivery.paced.p99} ms, max ${delivery.paced.max} ms`,
      ],
      [
        `metrics message → Slack, burst of ${ALERTS} over ${CHANNELS} channels`,
        `p50 ${delivery.burst.p50} ms, p99 ${delivery.burst.p99} ms, all in ${delivery.burst.seconds.toFixed(1)} s`,
      ],
      [
        `metrics message → Slack with the chart, ${CHART_ALERTS} alerts at ${RATE}/s`,
        `post p50 ${delivery.charted.p50} ms, p99 ${delivery.charted.p99} ms; ${delivery.charted.upload?.charts} charts in their threads, p50 ${delivery.charted.upload?.p50} ms, p99 ${delivery.charted.upload?.p99} ms`,
      ],
    ],
    {
      rules: RULES,
      alerts: ALERTS,
      chartAlerts: CHART_ALERTS,
      rate: RATE,
      channels: CHANNELS,
      evaluation,
      delivery,
    },
  )
} finally {
  stopBroker()
}
process.exit(0)
