// `npm run bench:fleet`: the drift, performance and fairness services at fleet shape. One stream of BENCH_EVENTS (default
// 1,000,000) predictions, 20 features (15 numerical, 5 categorical), 3 partitions, 1-hour windows,
// over 3 models and then over 500; each next to a bare kafkajs consume + JSON.parse of the same
// topic. Then a trickle of 500 events/s into 500 models' open windows, with the drift process's CPU.
// Then the performance service on outcomes for a third of the events, both shapes (the outcomes
// stored in its engine first, as the joiner would have), and labels trickling at 500/s into one
// 1-day window that holds few outcomes, then 1M. Then the fairness service at both shapes on the
// same outcomes (their predictions stored too), judged by region.
//   BENCH_EVENTS, BENCH_TRICKLE_SECONDS (default 30), BENCH_ONLY_TRICKLE=1 (skip the shapes),
//   BENCH_DRIFT_WAIT_MS (the trickle's drift.batch_max_wait_ms; the shapes run at the tests' 1 s, a
//   catch-up's fetches are full and only its last waits),
//   BENCH_PERF_TRICKLE_SECONDS (default 90), BENCH_ONLY=drift|performance|fairness, BENCH_PROF=1 (CPU profiles of the service's main thread into /tmp/prof).
import { tmpdir } from 'node:os'
import { loadVigilConfig, type VigilConfig } from '@vigil/config'
import { createTestTopics, makePrediction, publish, testKafka, waitFor } from '@vigil/testing'
import type { Kafka } from 'kafkajs'
import { bareConsumer, committed, ensureBroker, followGroup, produce, report } from './common.js'
import { type OutcomeSpread, outcomeEvent } from './outcome-rows.js'
import { cpuSeconds, HOUR, setup, startService, stopService } from './service-process.js'

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const TRICKLE_SECONDS = Number(process.env.BENCH_TRICKLE_SECONDS ?? 30)
// Three republish intervals (30 s): the 1M window is recomputed on the clock, not per batch.
const PERF_TRICKLE_SECONDS = Number(process.env.BENCH_PERF_TRICKLE_SECONDS ?? 90)
const stopBroker = ensureBroker()
const DEFAULTS = loadVigilConfig({ cwd: tmpdir(), env: {} })

async function fleet(models: number) {
  const config = setup(`bfleet${models}`, HOUR)
  await createTestTopics(config)
  const topic = config.kafka.topics.predictions
  await produce(testKafka(config), topic, N, (i) => makePrediction(i, { model_id: `model-${i % models}` }))
  const bare = await bareConsumer(config.kafka.brokers, topic, N)
  const s = startService('drift', config)
  const run = await followGroup(testKafka(config), config.drift.group_id, topic, N, s.child.pid!)
  const cpu = cpuSeconds(s.child.pid!)
  const inserted = await stopService(s)
  return {
    bare: bare.eventsPerSec,
    drift: run.eventsPerSec,
    rss: run.peakRssMiB,
    cpu,
    bytes: inserted.insertedBytes / N,
    queries: inserted.queries,
  }
}

/** 500 events/s for `seconds`, 50 every 100 ms, numbered from `first`: the last number + 1 and the time taken. */
async function publishPaced(
  kafka: Kafka,
  topic: string,
  seconds: number,
  first: number,
  event: (i: number) => object,
): Promise<{ sent: number; seconds: number }> {
  const t0 = performance.now()
  let sent = first
  for (let tick = 0; tick < seconds * 10; tick++) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + tick * 100 - performance.now())))
    await publish(
      kafka,
      topic,
      Array.from({ length: 50 }, (_, j) => event(sent + j)),
    )
    sent += 50
  }
  return { sent, seconds: (performance.now() - t0) / 1000 }
}

async function trickle() {
  const models = 500
  const base = setup('bfleettrickle', 24 * HOUR)
  // BENCH_DRIFT_WAIT_MS: how long a fetch waits to fill, hence how many batches the trickle makes;
  // by default what a deployment gets (the test configuration's is 1 s).
  const wait = Number(process.env.BENCH_DRIFT_WAIT_MS ?? DEFAULTS.drift.batch_max_wait_ms)
  const config = { ...base, drift: { ...base.drift, batch_max_wait_ms: wait } }
  await createTestTopics(config)
  const kafka = testKafka(config)
  const topic = config.kafka.topics.predictions
  // Every model's day window open, with events in it; all trickled events land in the same windows.
  const prefill = 50_000
  const at = (i: number) => new Date(Date.UTC(2026, 10, 24) + i * 100).toISOString()
  const event = (i: number) => makePrediction(i, { model_id: `model-${i % models}`, timestamp: at(i) })
  await produce(kafka, topic, prefill, event)
  const s = startService('drift', config)
  if (
    !(await waitFor(async () => (await committed(kafka, config.drift.group_id, topic)) >= prefill, 300_000))
  )
    throw new Error('the drift service did not catch up with the prefill')
  const cpu0 = cpuSeconds(s.child.pid!)
  const { sent, seconds } = await publishPaced(kafka, topic, TRICKLE_SECONDS, prefill, event)
  const cpu = cpuSeconds(s.child.pid!) - cpu0
  const caughtUp = await waitFor(
    async () => (await committed(kafka, config.drift.group_id, topic)) >= sent,
    60_000,
  )
  const inserted = await stopService(s)
  return { rate: (sent - prefill) / seconds, cpuShare: cpu / seconds, caughtUp, queries: inserted.queries }
}

/** A config for the performance service: binary models, `window` long, positive class fraud. */
function performanceSetup(name: string, window: number): VigilConfig {
  const config = setup(name, window)
  return { ...config, models: { '*': { ...config.models['*']!, positive_class: 'fraud' } } }
}

/** The same, judged for fairness by region (reference group n). */
function fairnessSetup(name: string, window: number): VigilConfig {
  const config = performanceSetup(name, window)
  const models = {
    '*': { ...config.models['*']!, sensitive_attributes: { region: { reference_group: 'n' } } },
  }
  return { ...config, models }
}

/**
 * The performance or fairness service on outcomes for a third of N events (one every 300 ms) over
 * `models` models, their outcomes (and, for fairness, their predictions) stored in its engine first.
 */
async function outcomesFleet(service: 'performance' | 'fairness', models: number) {
  const config = (service === 'performance' ? performanceSetup : fairnessSetup)(
    `b${service.slice(0, 4)}${models}`,
    HOUR,
  )
  await createTestTopics(config)
  const topic = config.kafka.topics.outcomes
  const n = Math.floor(N / 3)
  const spread: OutcomeSpread = {
    models,
    startMs: Date.UTC(2026, 10, 24),
    stepMs: 300,
    predictions: service === 'fairness',
  }
  await produce(testKafka(config), topic, n, (i) => outcomeEvent(i, spread))
  const bare = await bareConsumer(config.kafka.brokers, topic, n)
  const s = startService(service, config, { ...spread, from: 0, to: n })
  await s.ready
  const cpu0 = cpuSeconds(s.child.pid!)
  const run = await followGroup(testKafka(config), config[service].group_id, topic, n, s.child.pid!)
  const cpu = cpuSeconds(s.child.pid!) - cpu0
  const inserted = await stopService(s)
  return {
    bare: bare.eventsPerSec,
    rate: run.eventsPerSec,
    rss: run.peakRssMiB,
    cpu,
    bytes: inserted.insertedBytes / n,
    queries: inserted.queries,
  }
}

/**
 * 500 outcomes/s for PERF_TRICKLE_SECONDS into one model's 1-day window that already holds `held`
 * outcomes (stored, with the trickled ones, before the service starts): its CPU per outcome.
 */
async function performanceTrickle(held: number) {
  const config = performanceSetup(`bperftrickle${held}`, 24 * HOUR)
  await createTestTopics(config)
  const kafka = testKafka(config)
  const topic = config.kafka.topics.outcomes
  const trickled = PERF_TRICKLE_SECONDS * 500
  const spread: OutcomeSpread = { models: 1, startMs: Date.UTC(2026, 10, 24), stepMs: 80 }
  const s = startService('performance', config, { ...spread, from: 0, to: held + trickled })
  await s.ready
  const cpu0 = cpuSeconds(s.child.pid!)
  const { seconds } = await publishPaced(kafka, topic, PERF_TRICKLE_SECONDS, held, (i) =>
    outcomeEvent(i, spread),
  )
  const cpu = cpuSeconds(s.child.pid!) - cpu0
  const lagAtEnd = trickled - (await committed(kafka, config.performance.group_id, topic))
  const caughtUp = await waitFor(
    async () => (await committed(kafka, config.performance.group_id, topic)) >= trickled,
    60_000,
  )
  await stopService(s)
  return {
    rate: trickled / seconds,
    cpuShare: cpu / seconds,
    cpuPerOutcomeMs: (cpu * 1000) / trickled,
    lagAtEnd,
    caughtUp,
  }
}

/** One service's run at both fleet shapes, side by side with the bare consumer of the same topic. */
type Shape = {
  bare: number
  rate: number
  bytes: number
  rss: number
  cpu: number
  queries?: Record<string, { seconds: number; calls: number }>
}
function shapeRows(service: string, unit: string, small: Shape, large: Shape): [string, string][] {
  const of = (s: Shape) => `${Math.round(s.rate)} ${unit}/s (${(s.rate / s.bare).toFixed(2)} of bare)`
  return [
    [`${service}, 3 models: bare kafkajs consumer + JSON.parse`, `${Math.round(small.bare)} ${unit}/s`],
    [`${service}, 3 models`, of(small)],
    [`${service}, 500 models: bare kafkajs consumer + JSON.parse`, `${Math.round(large.bare)} ${unit}/s`],
    [`${service}, 500 models`, of(large)],
    [`${service} 500 / 3 models`, `${(large.rate / small.rate).toFixed(2)} (goal ≥ 0.8)`],
    [
      `${service} bytes inserted into ClickHouse per ${unit.slice(0, -1)}, 3 / 500 models`,
      `${Math.round(small.bytes)} / ${Math.round(large.bytes)}`,
    ],
    [`${service} peak RSS, 3 / 500 models`, `${Math.round(small.rss)} / ${Math.round(large.rss)} MiB`],
    [`${service} CPU seconds, 3 / 500 models`, `${small.cpu.toFixed(1)} / ${large.cpu.toFixed(1)}`],
    [`${service} engine seconds (calls), 3 models`, engineTime(small.queries)],
    [`${service} engine seconds (calls), 500 models`, engineTime(large.queries)],
  ]
}

/** The engine's largest query and insert times of a run, as `name s (calls)`. */
function engineTime(queries: Record<string, { seconds: number; calls: number }> = {}): string {
  return Object.entries(queries)
    .sort(([, a], [, b]) => b.seconds - a.seconds)
    .slice(0, 6)
    .map(([name, q]) => `${name} ${q.seconds.toFixed(1)} (${q.calls})`)
    .join(', ')
}

const only = process.env.BENCH_ONLY_TRICKLE === '1'
const family = process.env.BENCH_ONLY
const pct = (x: number) => `${Math.round(x * 100)}%`
const rows: [string, string][] = [['events', `${N}, 20 features, 3 partitions, 1-hour windows`]]
const json: Record<string, unknown> = { bench: 'fleet', events: N }

if (family === undefined || family === 'drift') {
  const small = only ? { bare: 1, drift: 1, rss: 0, cpu: 0, bytes: 0, queries: {} } : await fleet(3)
  const large = only ? small : await fleet(500)
  const t = await trickle()
  rows.push(
    ...shapeRows('drift', 'events', { ...small, rate: small.drift }, { ...large, rate: large.drift }),
    [
      `trickle into 500 models' open 1-day windows (${Math.round(t.rate)} events/s)`,
      `drift CPU ${pct(t.cpuShare)} of a core (goal < 10%)${t.caughtUp ? '' : ', NOT caught up'}`,
    ],
    ['trickle engine seconds (calls), prefill included', engineTime(t.queries)],
  )
  json.drift = { small, large, ratio: Number((large.drift / small.drift).toFixed(3)), trickle: t }
}

if (family === undefined || family === 'performance') {
  const small = only ? undefined : await outcomesFleet('performance', 3)
  const large = only ? undefined : await outcomesFleet('performance', 500)
  if (small && large) rows.push(...shapeRows('performance', 'outcomes', small, large))
  const few = await performanceTrickle(0)
  const many = await performanceTrickle(1_000_000)
  const trickleRow = (t: typeof few) =>
    `CPU ${pct(t.cpuShare)} of a core, ${t.cpuPerOutcomeMs.toFixed(3)} ms per outcome, lag at the end ${t.lagAtEnd}${t.caughtUp ? '' : ', NOT caught up'}`
  rows.push(
    [`labels at ${Math.round(few.rate)}/s into a 1-day window holding only them`, trickleRow(few)],
    [`labels at ${Math.round(many.rate)}/s into a 1-day window holding 1M outcomes`, trickleRow(many)],
    [
      'CPU per outcome, 1M window / few',
      `${(many.cpuPerOutcomeMs / few.cpuPerOutcomeMs).toFixed(2)} (goal ≤ 2)`,
    ],
  )
  json.performance = { small, large, trickle: { few, many } }
}

if ((family === undefined || family === 'fairness') && !only) {
  const small = await outcomesFleet('fairness', 3)
  const large = await outcomesFleet('fairness', 500)
  rows.push(...shapeRows('fairness', 'outcomes', small, large))
  json.fairness = { small, large, ratio: Number((large.rate / small.rate).toFixed(3)) }
}

report(rows, json)
stopBroker()
