// `npm run demo`: the whole story on a real Kafka broker and the embedded ClickHouse. It starts
// the local broker (or reuses a running one), local stand-ins for Slack, SMTP and a retraining
// pipeline, and every vigil service with the HTTP API; streams three hours of event time of three
// models' traffic (one through Kafka, one through the HTTP ingest, one as KServe's CloudEvents),
// printing what vigil does as it
// happens; then reports, says what an analyst would query next, and stops. `--follow` keeps vigil
// running; `--short` streams without pauses (the test suite runs it so).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApi } from '@vigil/api'
import { queryRows, toClickHouseTime } from '@vigil/clickhouse'
import { loadVigilConfig } from '@vigil/config'
import { createDrift } from '@vigil/drift'
import { createEventParser } from '@vigil/events'
import { createFairness } from '@vigil/fairness'
import { createIngest } from '@vigil/ingest-service'
import { createJoiner } from '@vigil/joiner'
import { createKafka, createProducer } from '@vigil/kafka'
import { createLogger } from '@vigil/observability'
import { createPerformance } from '@vigil/performance'
import { createRecorder } from '@vigil/recorder'
import { createRules } from '@vigil/rules'
import { onShutdownSignal, startProcess } from '@vigil/runtime'
import {
  freePort,
  groupLag,
  listeningPort,
  slackStandIn,
  smtpStandIn,
  testKafka,
  waitFor,
  webhookReceiver,
} from '@vigil/testing'
import { KSERVE_MODEL, kserveTraffic, postInferences } from './kserve.js'
import { createLiveFeed } from './live.js'
import { heading, hhmm, live, say, table } from './print.js'
import { printReport } from './report.js'
import { FIXTURES, SAMPLE_START, TRAINING_CSV } from './sample.js'
import { readLines, sendSlot, slots } from './stream.js'

const follow = process.argv.includes('--follow')
const short = process.argv.includes('--short')
/** Wall time between two slots of event time: the feed shows windows closing as the stream goes. */
const PACE_MS = short ? 0 : 900
const HTTP_MODEL = 'churn-model'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const kafkaScript = fileURLToPath(new URL('../../deploy/local/kafka.sh', import.meta.url))
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

// Each run gets its own topics and database, so what it prints is this run's alone.
const run = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)
const tokens = { ingest: `demo-ingest-${run}`, oncall: `demo-oncall-${run}` }
const env = {
  ...process.env,
  KAFKA_TOPIC_PREFIX: process.env.KAFKA_TOPIC_PREFIX ?? `demo-${run}.`,
  CLICKHOUSE_DATABASE: process.env.CLICKHOUSE_DATABASE ?? `vigil_demo_${run}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  SLACK_TOKEN: 'xoxb-demo',
  SLACK_API_URL: slack.url,
  SMTP_URL: smtp.url(),
  DEMO_RETRAIN_SECRET: DEMO_SECRET,
  DEMO_INGEST_TOKEN: tokens.ingest,
  DEMO_ONCALL_TOKEN: tokens.oncall,
  // Signs the chart links the retraining webhook carries (fetched without a token).
  VIGIL_LINK_SECRET: `demo-link-secret-${run}`,
}
// The bundled settings, with the retraining webhook on this run's receiver, and the API on a free
// port (VIGIL_API_PORT to choose one), known before it starts: the alerts link to the console there.
const apiPort = Number(process.env.VIGIL_API_PORT ?? 0) || (await freePort())
const configFile = join(mkdtempSync(join(tmpdir(), 'vigil-demo-')), 'vigil.yaml')
writeFileSync(
  configFile,
  readFileSync(new URL('./vigil.yaml', import.meta.url), 'utf8')
    .replace('http://127.0.0.1:18080/retrain', retrainer.url('/retrain'))
    .replace(/^api:\n {2}port: 0$/m, `public_url: http://127.0.0.1:${apiPort}\napi:\n  port: ${apiPort}`),
)
const config = loadVigilConfig({ cwd: process.cwd(), env, file: configFile })

heading('A baseline for fraud-detector, from its training data')
const cli = fileURLToPath(new URL('../../services/cli/bin/vigil.mjs', import.meta.url))
const uploaded = execFileSync(
  process.execPath,
  [cli, 'baseline', 'create', '--model', 'fraud-detector', '--from', TRAINING_CSV],
  { env, encoding: 'utf8' },
)
say(`  $ vigil baseline create --model fraud-detector --from test/fixtures/${TRAINING_CSV.split('/').at(-1)}`)
say(`  ${uploaded.trim()}`)
say('  churn-model has no baseline: its first complete window becomes its reference.')

heading('vigil')
const proc = await startProcess(
  config,
  [
    createRecorder,
    createDrift,
    createJoiner,
    createPerformance,
    createFairness,
    createRules,
    createApi,
    createIngest,
  ],
  { log: createLogger({ name: 'vigil', level: config.log_level }) },
)
const apiUrl = `http://127.0.0.1:${listeningPort(proc, 'api')}`
// The token in the fragment never reaches a server or a log; the console keeps it for the tab.
const consoleUrl = `${apiUrl}/ui#token=${tokens.oncall}`
const feed = createLiveFeed(proc.deps.ch, { slack, smtp, retrainer })
async function cleanUp(): Promise<void> {
  await feed.stop()
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
    `  recorder, drift, joiner, performance, fairness, rules, api and ingest running in one process; ClickHouse ${ch.serverVersion} (${ch.kind}) in ${config.clickhouse.data_dir}, database ${ch.database}`,
  )
  say(`  topics ${Object.values(config.kafka.topics).join(', ')}`)
  say(`  HTTP API ${apiUrl} (/openapi.json describes it)   health: http://127.0.0.1:${proc.httpPort}/readyz`)
  say(`  console ${consoleUrl}`)

  heading('Streaming three hours of event time, as it happens')
  say(
    '  fraud-detector publishes to Kafka; churn-model has no Kafka client and posts to POST /v1/predictions;',
  )
  say(
    `  ${KSERVE_MODEL} is served by KServe, whose InferenceLogger posts each request and response to POST /v1/cloudevents.`,
  )
  say(`  Windows are 30 minutes; each line below is printed when vigil did it.`)
  feed.start()
  const producer = createProducer(createKafka({ ...config.kafka, log: proc.deps.log }))
  await producer.start()
  const kafka = testKafka(config)
  const totals = { kafka: 0, http: 0, cloudevents: 0 }
  const inferences = kserveTraffic()
  /** Sends a file's lines slot by slot of event time, pausing between slots. */
  async function stream(kind: 'predictions' | 'labels', slotMs: number, describe: (from: number) => string) {
    const parser = kind === 'predictions' ? createEventParser('prediction') : createEventParser('label')
    for (const slot of slots(
      readLines(FIXTURES[kind], (t) => parser.parse(t).ok),
      slotMs,
    )) {
      const sent = await sendSlot(slot.lines, kind, {
        httpModel: HTTP_MODEL,
        ingest: { url: apiUrl, token: tokens.ingest },
        producer,
        topic: config.kafka.topics[kind],
      })
      totals.kafka += sent.kafka
      totals.http += sent.http
      let served = ''
      if (kind === 'predictions') {
        const due = inferences.filter((i) => i.at >= slot.from && i.at < slot.from + slotMs)
        const posted = await postInferences(apiUrl, tokens.ingest, due)
        totals.cloudevents += posted.events
        // KServe logs as it serves; the demo sends hours in seconds, so it lets the ingest service
        // pair each slot before the next, as it would keep up in real time: otherwise its
        // partitions' skew would reorder hours of event time and close windows early.
        await waitFor(
          async () =>
            (await groupLag(kafka, config.ingest.group_id, [config.kafka.topics.cloudevents])) === 0,
          30_000,
          100,
        )
        served = `, ${posted.events} KServe CloudEvents (${posted.rows} predictions)`
      }
      live(`${describe(slot.from)}: ${sent.kafka} to Kafka, ${sent.http} over HTTP${served}`)
      await sleep(PACE_MS)
    }
  }
  const QUARTER = 15 * 60_000
  await stream('predictions', QUARTER, (from) => `sent predictions ${hhmm(from)}-${hhmm(from + QUARTER)}`)
  // What a client that sends a bad record over HTTP is told (nothing is produced for it).
  const bad = await fetch(`${apiUrl}/v1/predictions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.ingest}`, 'content-type': 'application/x-ndjson' },
    body: JSON.stringify({ schema_version: 1, model_id: HTTP_MODEL, prediction_id: 'x' }),
  })
  live(`a malformed prediction over HTTP: ${bad.status} ${JSON.stringify(await bad.json())}`)
  // Ground truth comes 1-25 h after the predictions: churn-model's over HTTP too.
  const FOUR_HOURS = 4 * 3_600_000
  await stream(
    'labels',
    FOUR_HOURS,
    (from) =>
      `labels known by ${hhmm(from + FOUR_HOURS)} (+${Math.round((from + FOUR_HOURS - SAMPLE_START) / 3_600_000)} h)`,
  )
  await producer.stop()

  const topics = [config.kafka.topics.predictions, config.kafka.topics.labels]
  // The ingest service pairs KServe's halves into predictions first, then the recorder stores them.
  const caughtUp = await waitFor(
    async () =>
      (await groupLag(kafka, config.ingest.group_id, [config.kafka.topics.cloudevents])) === 0 &&
      (await groupLag(kafka, config.recorder.group_id, topics)) === 0 &&
      (await groupLag(kafka, config.drift.group_id, [config.kafka.topics.predictions])) === 0,
    120_000,
    250,
  )
  // Labels: joined (some wait a moment for their prediction to be recorded), then accuracy and
  // fairness windows recomputed from them.
  const outcomesDone = await waitFor(
    async () => {
      if ((await groupLag(kafka, config.joiner.group_id, [config.kafka.topics.labels])) !== 0) return false
      const [w] = await queryRows<{ n: string }>(
        ch,
        "SELECT count() AS n FROM {db:Identifier}.pending_labels FINAL WHERE status = 'waiting'",
      )
      if (Number(w?.n) !== 0) return false
      const [d] = await queryRows<{ n: string }>(
        ch,
        "SELECT count() AS n FROM {db:Identifier}.window_schedule FINAL WHERE status = 'waiting'",
      )
      if (Number(d?.n) !== 0) return false
      return (
        (await groupLag(kafka, config.performance.group_id, [config.kafka.topics.outcomes])) === 0 &&
        (await groupLag(kafka, config.fairness.group_id, [
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
    return Number(r?.n) >= 3
  }, 30_000)
  // Every window message evaluated, and the outbox empty: all notifications have been delivered.
  await waitFor(async () => {
    if ((await groupLag(kafka, config.alerting.group_id, [config.kafka.topics.metrics])) !== 0) return false
    const [r] = await queryRows<{ n: string }>(
      ch,
      "SELECT count() AS n FROM {db:Identifier}.notifications FINAL WHERE status = 'pending'",
    )
    return Number(r?.n) === 0
  }, 60_000)
  await feed.tick()

  const failures = await printReport(ch, config, kafka, { slack, smtp, retrainer })

  heading('Summary')
  const [counts] = await queryRows<{ windows: string; drifted: string; fired: string }>(
    ch,
    `SELECT (SELECT count() FROM {db:Identifier}.quality_windows FINAL WHERE feature = '__model__' AND metric = 'count') AS windows,
            (SELECT uniqExact(model_id, window_start) FROM {db:Identifier}.drift_windows FINAL WHERE drifted = 1 AND feature != '__model__') AS drifted,
            (SELECT count() FROM {db:Identifier}.alert_history FINAL WHERE transition = 'firing') AS fired`,
  )
  say(
    `  events sent: ${totals.kafka} through Kafka, ${totals.http} through the HTTP API, ${totals.cloudevents} KServe CloudEvents`,
  )
  say(`  windows closed: ${counts?.windows}, with drift: ${counts?.drifted}; alerts fired: ${counts?.fired}`)
  say(
    `  delivered: ${slack.posts.length} Slack messages, ${smtp.mails.length} emails, ${retrainer.deliveries.length} retraining webhooks` +
      (failures.some((f) => f.includes('delivered twice')) ? '' : ', each exactly once'),
  )
  if (failures.length > 0) throw new Error(`the demo did not show what it should: ${failures.join('; ')}`)

  heading('Next, as an analyst')
  say(
    '  The tables are plain ClickHouse (docs/analysts.md). Read-only SQL goes through the API while vigil runs:',
  )
  const analystQueries = [
    `SELECT model_id, feature, round(max(value), 3) AS worst_psi, countIf(drifted = 1) AS drifted_windows
FROM drift_windows FINAL WHERE metric = 'psi' AND feature != '__model__'
GROUP BY model_id, feature HAVING drifted_windows > 0 ORDER BY worst_psi DESC`,
    `SELECT cat_features['country'] AS country, count() AS predictions, round(avg(score), 3) AS avg_score
FROM predictions WHERE model_id = 'fraud-detector' AND event_time >= '2026-11-24 10:00:00'
GROUP BY country ORDER BY predictions DESC LIMIT 5`,
  ]
  for (const q of analystQueries) {
    say(`\n  $ VIGIL_API_URL=${apiUrl} VIGIL_API_TOKEN=… npm run vigil -- sql "${q.replace(/\n/g, ' ')}"`)
    const res = await fetch(`${apiUrl}/v1/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.oncall}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: q }),
    })
    const body = (await res.json()) as { rows?: Record<string, unknown>[]; error?: string }
    if (!body.rows) throw new Error(`the analyst query failed: ${body.error}`)
    table(body.rows)
  }
  say(
    `\n  After the demo the data stays in ${config.clickhouse.data_dir}; with vigil stopped, query it directly:`,
  )
  say(
    `    CLICKHOUSE_DATABASE=${ch.database} npm run vigil -- sql "SELECT rule, model_id, subject, transition, window_start FROM alert_history FINAL ORDER BY window_start"`,
  )
} catch (err) {
  process.stderr.write(`\ndemo failed: ${(err as Error).stack ?? String(err)}\n`)
  await cleanUp()
  process.exit(1)
}

if (follow) {
  heading('Following')
  say('  vigil keeps running and the feed above goes on; Ctrl-C stops it. Open the console:')
  say(`    ${consoleUrl}`)
  say('  or try:')
  say(`    curl -s -H "Authorization: Bearer ${tokens.oncall}" ${apiUrl}/v1/alerts`)
  say(`    VIGIL_API_URL=${apiUrl} VIGIL_API_TOKEN=${tokens.oncall} npm run vigil -- alerts --history`)
  say(
    `    VIGIL_API_URL=${apiUrl} VIGIL_API_TOKEN=${tokens.oncall} npm run vigil -- silence add --rule feature-drift --for 1h`,
  )
  say(
    `    curl -s -H "Authorization: Bearer ${tokens.ingest}" --data-binary @test/fixtures/sample-predictions.ndjson ${apiUrl}/v1/predictions`,
  )
  onShutdownSignal(proc.deps.log, cleanUp)
} else {
  await cleanUp()
  say(
    '\nDone. `npm run demo -- --follow` keeps vigil running after the stream, with the API and the live feed.',
  )
}
