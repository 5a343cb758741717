// `npm run bench:fleet`: the drift service at fleet shape. One stream of BENCH_EVENTS (default
// 1,000,000) predictions, 20 features (15 numerical, 5 categorical), 3 partitions, 1-hour windows,
// over 3 models and then over 500; each next to a bare kafkajs consume + JSON.parse of the same
// topic. Then a trickle of 500 events/s into 500 models' open windows, with the drift process's CPU.
//   BENCH_EVENTS, BENCH_TRICKLE_SECONDS (default 30), BENCH_ONLY_TRICKLE=1 (skip the two shapes),
//   BENCH_PROF=1 (CPU profiles of the service's main thread into /tmp/prof).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { VigilConfig } from '@vigil/config'
import { createTestTopics, makePrediction, publish, testConfig, testKafka, waitFor } from '@vigil/testing'
import { finished, tsxLoader } from '../e2e/processes.js'
import { bareConsumer, committed, ensureBroker, followGroup, produce, report } from './common.js'

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const TRICKLE_SECONDS = Number(process.env.BENCH_TRICKLE_SECONDS ?? 30)
const HOUR = 3_600_000
const stopBroker = ensureBroker()
const runner = fileURLToPath(new URL('./service-runner.ts', import.meta.url))

function setup(name: string, window: number): VigilConfig {
  const config = testConfig({
    name,
    dataDir: mkdtempSync(join(tmpdir(), `vigil-${name}-`)),
    env: { LOG_LEVEL: 'warn' },
  })
  return {
    ...config,
    models: { '*': { window, allowed_lateness: 30_000, idle_timeout: HOUR } },
  }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function startService(
  name: string,
  config: VigilConfig,
): { child: ChildProcess; exit: ReturnType<typeof finished> } {
  const path = join(config.clickhouse.data_dir, `${name}.config.json`)
  writeFileSync(path, JSON.stringify(config))
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
      '--conditions=@vigil/source',
      '--import',
      tsxLoader,
      runner,
      name,
      path,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  return { child, exit: finished(child) }
}

async function stopService(s: ReturnType<typeof startService>) {
  s.child.kill('SIGTERM')
  const out = await s.exit
  if (out.code !== 0) throw new Error(`service exited ${out.code ?? out.signal}:\n${out.stderr.slice(-3000)}`)
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { insertedRows: number; insertedBytes: number }
}

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
  }
}

async function trickle() {
  const models = 500
  const config = setup('bfleettrickle', 24 * HOUR)
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
  const t0 = performance.now()
  let sent = prefill
  for (let tick = 0; tick < TRICKLE_SECONDS * 10; tick++) {
    const due = t0 + tick * 100
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
    await publish(
      kafka,
      topic,
      Array.from({ length: 50 }, (_, j) => event(sent + j)),
    )
    sent += 50
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = cpuSeconds(s.child.pid!) - cpu0
  const caughtUp = await waitFor(
    async () => (await committed(kafka, config.drift.group_id, topic)) >= sent,
    60_000,
  )
  await stopService(s)
  return { rate: (sent - prefill) / seconds, cpuShare: cpu / seconds, caughtUp }
}

const only = process.env.BENCH_ONLY_TRICKLE === '1'
const small = only ? { bare: 1, drift: 1, rss: 0, cpu: 0, bytes: 0 } : await fleet(3)
const large = only ? small : await fleet(500)
const t = await trickle()
const pct = (x: number) => `${Math.round(x * 100)}%`
report(
  [
    ['events', `${N}, 20 features, 3 partitions, 1-hour windows`],
    ['3 models: bare kafkajs consumer + JSON.parse', `${Math.round(small.bare)} events/s`],
    [
      '3 models: drift',
      `${Math.round(small.drift)} events/s (${(small.drift / small.bare).toFixed(2)} of bare)`,
    ],
    ['500 models: bare kafkajs consumer + JSON.parse', `${Math.round(large.bare)} events/s`],
    [
      '500 models: drift',
      `${Math.round(large.drift)} events/s (${(large.drift / large.bare).toFixed(2)} of bare)`,
    ],
    ['drift 500 / 3 models', `${(large.drift / small.drift).toFixed(2)} (goal ≥ 0.8)`],
    [
      'drift bytes inserted into ClickHouse per event, 3 / 500 models',
      `${Math.round(small.bytes)} / ${Math.round(large.bytes)}`,
    ],
    ['drift peak RSS, 3 / 500 models', `${Math.round(small.rss)} / ${Math.round(large.rss)} MiB`],
    ['drift CPU seconds, 3 / 500 models', `${small.cpu.toFixed(1)} / ${large.cpu.toFixed(1)}`],
    [
      `trickle into 500 models' open 1-day windows (${Math.round(t.rate)} events/s)`,
      `drift CPU ${pct(t.cpuShare)} of a core (goal < 10%)${t.caughtUp ? '' : ', NOT caught up'}`,
    ],
  ],
  {
    bench: 'fleet',
    events: N,
    drift: { small, large, ratio: Number((large.drift / small.drift).toFixed(3)) },
    trickle: t,
  },
)
stopBroker()
