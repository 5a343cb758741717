// `npm run demo`: the pipeline on a real Kafka broker and the embedded ClickHouse. It starts the
// local broker (or reuses a running one), starts vigil, replays the bundled sample traffic
// (with some invalid events), and prints what landed. `--follow` keeps vigil running afterwards.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { queryRows, toClickHouseTime } from '@vigil/clickhouse'
import { loadVigilConfig } from '@vigil/config'
import { createDrift } from '@vigil/drift'
import { createFairness } from '@vigil/fairness'
import { createJoiner } from '@vigil/joiner'
import { createKafka, createProducer, readDlqHeaders, replayFile } from '@vigil/kafka'
import { createLogger } from '@vigil/observability'
import { createPerformance } from '@vigil/performance'
import { createRecorder } from '@vigil/recorder'
import { createRules } from '@vigil/rules'
import { onShutdownSignal, startProcess } from '@vigil/runtime'
import {
  groupLag,
  readTopic,
  slackStandIn,
  smtpStandIn,
  testKafka,
  waitFor,
  webhookReceiver,
} from '@vigil/testing'
import {
  AMOUNT_DRIFT_FROM,
  BIASED_THRESHOLD,
  CONCEPT_SHIFT_FROM,
  FIXTURES,
  NEW_COUNTRY_FROM,
  SAMPLE_START,
  TRAINING_CSV,
} from './sample.js'

const iso = (ms: number) => new Date(ms).toISOString().slice(11, 16)

const follow = process.argv.includes('--follow')
const kafkaScript = fileURLToPath(new URL('../../deploy/local/kafka.sh', import.meta.url))
const say = (line = '') => process.stdout.write(`${line}\n`)
const heading = (text: string) => say(`\n== ${text}`)

function table(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) {
    say('  (none)')
    return
  }
  const cols = Object.keys(rows[0]!)
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)))
  const line = (cells: string[]) => say(`  ${cells.map((c, i) => c.padEnd(width[i]!)).join('  ')}`)
  line(cols)
  line(width.map((w) => '-'.repeat(w)))
  for (const r of rows) line(cols.map((c) => String(r[c])))
}

heading('Kafka')
const brokerState = execFileSync('bash', [kafkaScript, 'start'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
const startedBroker = brokerState.trim().split('\n').at(-1) === 'started'
say(`  broker on 127.0.0.1:9092 (${startedBroker ? 'started for this demo' : 'already running, reused'})`)

heading('Stand-ins for Slack, email and the retraining pipeline')
const DEMO_SECRET = 'demo-retrain-secret'
const slack = await slackStandIn()
const smtp = await smtpStandIn()
await smtp.start()
const retrainer = await webhookReceiver(DEMO_SECRET)
say(
  `  Slack Web API on ${slack.url}, SMTP on ${smtp.url()}, retraining webhook on ${retrainer.url('/retrain')}`,
)
const closeStandIns = async () => {
  await slack.close()
  await smtp.stop()
  await retrainer.close()
}

// Each run gets its own topics, so the counts below are this run's alone.
const run = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)
const env = {
  ...process.env,
  KAFKA_TOPIC_PREFIX: process.env.KAFKA_TOPIC_PREFIX ?? `demo-${run}.`,
  CLICKHOUSE_DATABASE: process.env.CLICKHOUSE_DATABASE ?? `vigil_demo_${run}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  SLACK_TOKEN: 'xoxb-demo',
  SLACK_API_URL: slack.url,
  SMTP_URL: smtp.url(),
  DEMO_RETRAIN_SECRET: DEMO_SECRET,
}
// The bundled settings, with the retraining webhook pointed at this run's receiver.
const configFile = join(mkdtempSync(join(tmpdir(), 'vigil-demo-')), 'vigil.yaml')
writeFileSync(
  configFile,
  readFileSync(new URL('./vigil.yaml', import.meta.url), 'utf8').replace(
    'http://127.0.0.1:18080/retrain',
    retrainer.url('/retrain'),
  ),
)
const config = loadVigilConfig({ cwd: process.cwd(), env, file: configFile })

heading('A baseline for fraud-detector, from its training data')
const cli = fileURLToPath(new URL('../../services/cli/bin/vigil.mjs', import.meta.url))
const uploaded = execFileSync(
  process.execPath,
  [cli, 'baseline', 'create', '--model', 'fraud-detector', '--from', TRAINING_CSV],
  {
    env,
    encoding: 'utf8',
  },
)
say(`  $ vigil baseline create --model fraud-detector --from test/fixtures/${TRAINING_CSV.split('/').at(-1)}`)
say(`  ${uploaded.trim()}`)
say('  churn-model has no baseline: its first complete window becomes its reference.')

heading('vigil')
const proc = await startProcess(
  config,
  [createRecorder, createDrift, createJoiner, createPerformance, createFairness, createRules],
  {
    log: createLogger({ name: 'vigil', level: config.logLevel }),
  },
)
async function cleanUp(): Promise<void> {
  await proc.stop()
  await closeStandIns()
  if (startedBroker) execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' })
}

try {
  const { ch } = proc.deps
  // Earlier demo runs' databases: this run's is all the demo prints.
  const old = await queryRows<{ name: string }>(
    ch,
    `SELECT name FROM system.databases WHERE name LIKE 'vigil_demo%' AND name != {db:String}`,
  )
  for (const { name } of old)
    await ch.client.command({ query: 'DROP DATABASE {d:Identifier}', query_params: { d: name } })
  say(
    `  recorder, drift, joiner, performance, fairness and rules running; ClickHouse ${ch.serverVersion} (${ch.kind}) in ${config.clickhouse.dataDir}, database ${ch.database}`,
  )
  say(`  topics ${Object.values(config.kafka.topics).join(', ')}`)
  say(
    `  health: http://127.0.0.1:${proc.httpPort}/readyz   metrics: http://127.0.0.1:${proc.httpPort}/metrics`,
  )

  heading('Replaying the bundled sample')
  const producer = createProducer(createKafka({ ...config.kafka, log: proc.deps.log }))
  await producer.start()
  for (const [kind, file] of Object.entries(FIXTURES)) {
    const topic = config.kafka.topics[kind as 'predictions' | 'labels']
    const { sent } = await replayFile(file, topic, producer)
    say(`  ${sent} lines of ${file.split('/').slice(-2).join('/')} → ${topic}`)
  }
  await producer.stop()

  const kafka = testKafka(config)
  const topics = [config.kafka.topics.predictions, config.kafka.topics.labels]
  const caughtUp = await waitFor(
    async () =>
      (await groupLag(kafka, config.recorder.groupId, topics)) === 0 &&
      (await groupLag(kafka, config.drift.groupId, [config.kafka.topics.predictions])) === 0,
    120_000,
    250,
  )
  // Labels: joined (some wait a moment for their prediction to be recorded), then accuracy and
  // fairness windows recomputed from them.
  const outcomesDone = await waitFor(
    async () => {
      if ((await groupLag(kafka, config.joiner.groupId, [config.kafka.topics.labels])) !== 0) return false
      const [w] = await queryRows<{ n: string }>(
        ch,
        "SELECT count() AS n FROM {db:Identifier}.pending_labels FINAL WHERE status = 'waiting'",
      )
      if (Number(w?.n) !== 0) return false
      return (
        (await groupLag(kafka, config.performance.groupId, [config.kafka.topics.outcomes])) === 0 &&
        (await groupLag(kafka, config.fairness.groupId, [
          config.kafka.topics.predictions,
          config.kafka.topics.outcomes,
        ])) === 0
      )
    },
    120_000,
    250,
  )
  if (!caughtUp || !outcomesDone)
    say('  vigil did not catch up within 2 minutes; the counts below are partial')
  // The last windows close after the idle timeout (5 s in test/demo/vigil.yaml).
  const lastWindow = toClickHouseTime(SAMPLE_START + 2.5 * 3_600_000)
  await waitFor(async () => {
    const [r] = await queryRows<{ n: string }>(
      ch,
      'SELECT count() AS n FROM {db:Identifier}.quality_windows WHERE window_start = {w:DateTime64(3)} AND feature = {f:String} AND metric = {m:String}',
      { w: lastWindow, f: '__model__', m: 'count' },
    )
    return Number(r?.n) >= 2
  }, 30_000)

  heading('What landed in ClickHouse')
  table(
    await queryRows(
      ch,
      `SELECT 'predictions' AS table, count() AS rows, uniqExact(model_id) AS models,
              toString(min(event_time)) AS first_event, toString(max(event_time)) AS last_event
       FROM {db:Identifier}.predictions
       UNION ALL
       SELECT 'labels', count(), uniqExact(model_id), toString(min(event_time)), toString(max(event_time))
       FROM {db:Identifier}.labels`,
    ),
  )
  say()
  table(
    await queryRows(
      ch,
      `SELECT p.model_id AS model, any(p.model_version) AS version, count() AS predictions,
              countIf(l.prediction_id != '') AS labelled,
              round(countIf(l.prediction_id != '' AND l.label = p.predicted_label) / countIf(l.prediction_id != ''), 3) AS accuracy_so_far
       FROM {db:Identifier}.predictions AS p
       LEFT JOIN {db:Identifier}.labels AS l ON l.model_id = p.model_id AND l.prediction_id = p.prediction_id
       GROUP BY p.model_id ORDER BY p.model_id`,
      {},
    ),
  )

  heading('Drift per 30-minute window')
  say(
    `  injected: fraud-detector.amount runs higher from ${iso(AMOUNT_DRIFT_FROM)}, a new country (PL) appears from ${iso(NEW_COUNTRY_FROM)}`,
  )
  const windows = await queryRows<{
    model: string
    window: string
    events: number
    reference: string
    drift_share: number | null
    drifted: string
  }>(
    ch,
    `SELECT q.model_id AS model, formatDateTime(q.window_start, '%H:%i') AS window, toUInt32(q.value) AS events,
            anyIf(d.reference, d.feature = '__model__') AS reference,
            anyIf(d.value, d.feature = '__model__' AND d.metric = 'drift_share') AS drift_share,
            arrayStringConcat(arraySort(groupUniqArrayIf(d.feature, d.drifted = 1 AND d.feature != '__model__')), ', ') AS drifted
     FROM {db:Identifier}.quality_windows AS q FINAL
     LEFT JOIN (SELECT * FROM {db:Identifier}.drift_windows FINAL) AS d
       ON d.model_id = q.model_id AND d.window_start = q.window_start
     WHERE q.feature = '__model__' AND q.metric = 'count'
     GROUP BY model, q.window_start, window, events ORDER BY model, q.window_start`,
  )
  for (const w of windows) {
    if (!w.reference) (w as Record<string, unknown>).reference = '(this window is the reference)'
    ;(w as Record<string, unknown>).drift_share =
      w.drift_share === null ? '-' : Number(w.drift_share).toFixed(2)
    if (!w.drifted) (w as Record<string, unknown>).drifted = w.reference.startsWith('(') ? '-' : 'none'
  }
  table(windows)
  const newCountry = await queryRows<{ window: string; share: number }>(
    ch,
    `SELECT formatDateTime(window_start, '%H:%i') AS window, round(value, 3) AS share
     FROM {db:Identifier}.quality_windows FINAL
     WHERE model_id = 'fraud-detector' AND feature = 'country' AND metric = 'new_category_share' AND value > 0
     ORDER BY window_start`,
  )
  say(
    `  fraud-detector.country new-category share: ${newCountry.map((r) => `${r.window} ${r.share}`).join(', ') || 'none'}`,
  )
  heading('Accuracy per 30-minute window, from delayed labels')
  say(
    `  injected: fraud-detector's ground truth shifts at ${iso(CONCEPT_SHIFT_FROM)} (fraud now comes from web devices); labels arrive 1-25 h after their predictions`,
  )
  const accuracy = await queryRows<{
    model: string
    window: string
    labelled: number
    coverage: number
    accuracy: number | null
    recall: number | null
    roc_auc: number | null
  }>(
    ch,
    `SELECT model_id AS model, formatDateTime(window_start, '%H:%i') AS window, toUInt32(any(n_labelled)) AS labelled,
            round(any(label_coverage), 2) AS coverage,
            round(anyIf(value, metric = 'accuracy'), 3) AS accuracy,
            round(anyIf(value, metric = 'recall'), 3) AS recall,
            round(anyIf(value, metric = 'roc_auc'), 3) AS roc_auc
     FROM {db:Identifier}.performance_windows FINAL
     WHERE class = ''
     GROUP BY model_id, window_start ORDER BY model_id, window_start`,
  )
  table(accuracy)

  heading('Fairness of fraud-detector by gender (reference group m)')
  say(`  injected: gender=f is flagged as fraud only above a score of ${BIASED_THRESHOLD} (0.5 for m)`)
  const fairness = await queryRows<{
    window: string
    selection_rate_m: number | null
    selection_rate_f: number | null
    disparate_impact_f: number | null
    tpr_f: number | null
    tpr_m: number | null
  }>(
    ch,
    `SELECT formatDateTime(window_start, '%H:%i') AS window,
            round(anyIf(value, group = 'm' AND metric = 'selection_rate'), 3) AS selection_rate_m,
            round(anyIf(value, group = 'f' AND metric = 'selection_rate'), 3) AS selection_rate_f,
            round(anyIf(value, group = 'f' AND metric = 'disparate_impact'), 3) AS disparate_impact_f,
            round(anyIf(value, group = 'm' AND metric = 'tpr'), 3) AS tpr_m,
            round(anyIf(value, group = 'f' AND metric = 'tpr'), 3) AS tpr_f
     FROM {db:Identifier}.fairness_windows FINAL
     WHERE model_id = 'fraud-detector' AND attribute = 'gender'
     GROUP BY window_start ORDER BY window_start`,
  )
  table(fairness)

  const messages = await readTopic(kafka, config.kafka.topics.metrics, windows.length, 5000)
  say(`  ${messages.length} window messages on ${config.kafka.topics.metrics} for the rules service`)

  heading('Alerts delivered')
  // Every window message evaluated, and the outbox empty: all notifications have been delivered.
  await waitFor(async () => {
    if ((await groupLag(kafka, config.alerting.groupId, [config.kafka.topics.metrics])) !== 0) return false
    const [r] = await queryRows<{ n: string }>(
      ch,
      "SELECT count() AS n FROM {db:Identifier}.notifications FINAL WHERE status = 'pending'",
    )
    return Number(r?.n) === 0
  }, 60_000)
  say(`  rules: ${config.rules.map((r) => r.name).join(', ')} (test/demo/vigil.yaml)`)
  say(`  Slack (${slack.posts.length} messages):`)
  for (const p of slack.posts) say(`    ${p.channel}${p.threadTs ? ' (in thread)' : ''}  ${p.text}`)
  say(`  Email (${smtp.mails.length}):`)
  for (const m of smtp.mails) say(`    to ${m.to}  "${m.subject}"`)
  say(`  Retraining webhook (${retrainer.deliveries.length}):`)
  for (const d of retrainer.deliveries) {
    const body = d.body as { kind: string; model: { id: string; version: string }; alerts: unknown[] }
    say(
      `    ${body.kind} for ${body.model.id} ${body.model.version}, ${body.alerts.length} alert(s), signature ${d.valid ? 'valid' : 'INVALID'}`,
    )
  }
  table(
    await queryRows(
      ch,
      `SELECT rule, model_id AS model, subject, status, formatDateTime(since, '%H:%i') AS since, round(value, 3) AS value
       FROM {db:Identifier}.alerts FINAL WHERE status != 'inactive' ORDER BY rule, model, subject`,
    ),
  )

  // The demo's promise, checked: the injected drift found where it was injected, and told; the
  // concept shift seen in accuracy and the bias in the selection rates.
  // A drop of 5 points: fraud is rare, so accuracy moves less than ROC AUC (0.8 → 0.5 here).
  function accuracyDropped(rows: typeof accuracy): boolean {
    const fraudRows = rows.filter((w) => w.model === 'fraud-detector' && w.accuracy !== null)
    const mean = (xs: typeof fraudRows) => xs.reduce((a, w) => a + w.accuracy!, 0) / Math.max(1, xs.length)
    const shift = iso(CONCEPT_SHIFT_FROM)
    return (
      mean(fraudRows.filter((w) => w.window >= shift)) <
      mean(fraudRows.filter((w) => w.window < shift)) - 0.05
    )
  }
  const amountFrom = windows.find((w) => w.model === 'fraud-detector' && w.window === iso(AMOUNT_DRIFT_FROM))
  const failures = [
    ...(amountFrom?.drifted.includes('amount')
      ? []
      : [`amount not found drifted at ${iso(AMOUNT_DRIFT_FROM)}`]),
    ...(slack.posts.length > 0 ? [] : ['no Slack message delivered']),
    ...(accuracyDropped(accuracy)
      ? []
      : [`fraud-detector's accuracy did not drop after ${iso(CONCEPT_SHIFT_FROM)}`]),
    ...(fairness.some((w) => (w.disparate_impact_f ?? 1) < 0.8)
      ? []
      : ['no window shows gender=f selected less']),
    ...(smtp.mails.length > 0 ? [] : ['no email delivered']),
    ...(retrainer.deliveries.some((d) => d.valid) ? [] : ['no signed retraining webhook delivered']),
  ]
  if (failures.length > 0) throw new Error(`the demo did not show what it should: ${failures.join('; ')}`)

  heading('Dead-letter topic')
  // Every service that reads a topic reports the invalid events it meets: one row per event.
  const bySource = new Map<string, { h: ReturnType<typeof readDlqHeaders>; services: Set<string> }>()
  for (const m of await readTopic(kafka, config.kafka.topics.dlq, 40, 5000)) {
    const h = readDlqHeaders(m.headers)
    const key = `${h.topic}[${h.partition}]@${h.offset}`
    const entry = bySource.get(key) ?? { h, services: new Set<string>() }
    entry.services.add(h.service)
    bySource.set(key, entry)
  }
  say(
    `  ${bySource.size} invalid events in ${config.kafka.topics.dlq}, each with its reason and source offset:`,
  )
  table(
    [...bySource.values()]
      .sort((a, b) => a.h.topic.localeCompare(b.h.topic) || Number(a.h.offset) - Number(b.h.offset))
      .map(({ h, services }) => ({
        source: `${h.topic.slice(config.kafka.topics.dlq.length - 'vigil.dlq'.length)}[${h.partition}]@${h.offset}`,
        reason: h.reason.length > 80 ? `${h.reason.slice(0, 77)}...` : h.reason,
        'reported by': [...services].sort().join(', '),
      })),
  )

  heading('Next, as an analyst')
  say('  The tables are plain ClickHouse; see docs/analysts.md. For example:')
  say(`    SELECT model_id, toStartOfHour(event_time) AS hour, count(), avg(score)`)
  say(`    FROM ${ch.database}.predictions GROUP BY model_id, hour ORDER BY model_id, hour`)
  say(`    SELECT num_features['amount'] AS amount, cat_features['country'] AS country`)
  say(`    FROM ${ch.database}.predictions WHERE model_id = 'fraud-detector' LIMIT 5`)
} catch (err) {
  process.stderr.write(`\ndemo failed: ${(err as Error).stack ?? String(err)}\n`)
  await cleanUp()
  process.exit(1)
}

if (follow) {
  heading('Following')
  say('  vigil keeps running; publish more events with `npm run vigil -- replay <file> --topic predictions`.')
  say('  Ctrl-C stops it.')
  onShutdownSignal(proc.deps.log, cleanUp)
} else {
  await cleanUp()
  say('\nDone. `npm run demo -- --follow` keeps vigil running after the replay.')
}
