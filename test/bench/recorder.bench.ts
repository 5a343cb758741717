// `npm run bench`: recorder throughput, end to end from Kafka to acknowledged ClickHouse insert,
// next to a bare kafkajs consumer that only JSON.parses the same topic, in the same run on the
// same machine; and the recorder's peak RSS. Prints figures; never fails on timing.
//   BENCH_EVENTS (default 500000) events of 20 features (15 numerical, 5 categorical).
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestTopics, makePrediction, publish, testConfig, testKafka } from '@vigil/testing'
import type { Kafka } from 'kafkajs'
import { envFor, finished, spawnVigil, tsxLoader } from '../e2e/processes.js'

const N = Number(process.env.BENCH_EVENTS ?? 500_000)
const kafkaScript = fileURLToPath(new URL('../../deploy/local/kafka.sh', import.meta.url))
const state = execFileSync('bash', [kafkaScript, 'start'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
const startedBroker = state.trim().split('\n').at(-1) === 'started'

const config = testConfig({
  name: 'bench',
  dataDir: mkdtempSync(join(tmpdir(), 'vigil-bench-')),
  env: { LOG_LEVEL: 'warn' },
})
const kafka = testKafka(config)
const topic = config.kafka.topics.predictions
await createTestTopics(config)

process.stdout.write(
  `producing ${N} prediction events (20 features) to ${topic} (${config.kafka.partitions} partitions)...\n`,
)
const bytes = JSON.stringify(makePrediction(1)).length
let t = performance.now()
for (let start = 0; start < N; start += 50_000) {
  const events = Array.from({ length: Math.min(50_000, N - start) }, (_, i) => makePrediction(start + i))
  await publish(kafka, topic, events, 1000)
}
const produceSeconds = (performance.now() - t) / 1000

async function committed(k: Kafka, groupId: string): Promise<number> {
  const admin = k.admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return (offsets?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0)
  } finally {
    await admin.disconnect()
  }
}

// 1. The bare consumer: consume + JSON.parse, nothing else.
const bare = spawn(
  process.execPath,
  [
    '--import',
    tsxLoader,
    fileURLToPath(new URL('./bare-consumer.ts', import.meta.url)),
    config.kafka.brokers.join(','),
    topic,
    String(N),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
)
const bareOut = await finished(bare)
const bareResult = JSON.parse(bareOut.stdout.trim().split('\n').at(-1)!) as {
  events: number
  seconds: number
  maxRssMiB: number
}

// 2. The recorder in its own process, as `vigil start recorder` runs it. The rate is measured
// between its first and its last commit (steady state, like the bare consumer's first to last batch).
const recorder = spawnVigil(['start', 'recorder'], envFor(config))
const exit = finished(recorder)
let first: { at: number; done: number } | undefined
let peakRssKiB = 0
for (;;) {
  const done = await committed(kafka, config.recorder.groupId)
  const status = readFileSync(`/proc/${recorder.pid}/status`, 'utf8')
  peakRssKiB = Math.max(peakRssKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))
  if (done > 0 && !first) first = { at: performance.now(), done }
  if (done >= N) break
  await new Promise((r) => setTimeout(r, 50))
}
t = performance.now()
recorder.kill('SIGTERM')
await exit
const recorderSeconds = (t - first!.at) / 1000
const recorderRate = (N - first!.done) / recorderSeconds
const bareRate = bareResult.events / bareResult.seconds

const rows: [string, string][] = [
  ['events', `${N} (${bytes} bytes each, 20 features)`],
  ['producer (kafkajs, acks=all, batches of 1000)', `${Math.round(N / produceSeconds)} events/s`],
  [
    'bare kafkajs consumer + JSON.parse',
    `${Math.round(bareRate)} events/s, peak RSS ${Math.round(bareResult.maxRssMiB)} MiB`,
  ],
  ['recorder: Kafka → validated → ClickHouse insert acked → commit', `${Math.round(recorderRate)} events/s`],
  ['recorder / bare consumer', `${(recorderRate / bareRate).toFixed(2)} (goal ≥ 0.5)`],
  ['recorder peak RSS (VmHWM)', `${Math.round(peakRssKiB / 1024)} MiB`],
]
process.stdout.write(`\n${rows.map(([k, v]) => `${k.padEnd(64)} ${v}`).join('\n')}\n`)
process.stdout.write(
  `${JSON.stringify({ bench: 'recorder', events: N, bareEventsPerSec: Math.round(bareRate), recorderEventsPerSec: Math.round(recorderRate), ratio: Number((recorderRate / bareRate).toFixed(3)), recorderPeakRssMiB: Math.round(peakRssKiB / 1024) })}\n`,
)
if (startedBroker) execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' })
