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
import { createKafka, createProducer, readDlqHeaders, replayFile } from '@vigil/kafka'
import { createLogger } from '@vigil/observability'
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
import { AMOUNT_DRIFT_FROM, FIXTURES, NEW_COUNTRY_FROM, SAMPLE_START, TRAINING_CSV } from './sample.js'

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
const proc = await startProcess(config, [createRecorder, createDrift, createRules], {
  log: createLogger({ name: 'vigil', level: config.logLevel }),
})
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
    `  recorder, drift and rules running; ClickHouse ${ch.serverVersion} (${ch.kind}) in ${config.clickhouse.dataDir}, database ${ch.database}`,
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
  if (!caughtUp) say('  vigil did not catch up within 2 minutes; the counts below are partial')
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

  // The demo's promise, checked: the injected drift found where it was injected, and told.
  const amountFrom = windows.find((w) => w.model === 'fraud-detector' && w.window === iso(AMOUNT_DRIFT_FROM))
  const failures = [
    ...(amountFrom?.drifted.includes('amount')
      ? []
      : [`amount not found drifted at ${iso(AMOUNT_DRIFT_FROM)}`]),
    ...(slack.posts.length > 0 ? [] : ['no Slack message delivered']),
    ...(smtp.mails.length > 0 ? [] : ['no email delivered']),
    ...(retrainer.deliveries.some((d) => d.valid) ? [] : ['no signed retraining webhook delivered']),
  ]
  if (failures.length > 0) throw new Error(`the demo did not show what it should: ${failures.join('; ')}`)

  heading('Dead-letter topic')
  const dlq = await readTopic(kafka, config.kafka.topics.dlq, 10, 5000)
  say(`  ${dlq.length} invalid events in ${config.kafka.topics.dlq}, each with its reason and source offset:`)
  table(
    dlq
      .map((m) => readDlqHeaders(m.headers))
      .sort((a, b) => a.topic.localeCompare(b.topic) || Number(a.offset) - Number(b.offset))
      .map((h) => ({
        source: `${h.topic.slice(config.kafka.topics.dlq.length - 'vigil.dlq'.length)}[${h.partition}]@${h.offset}`,
        reason: h.reason.length > 90 ? `${h.reason.slice(0, 87)}...` : h.reason,
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
