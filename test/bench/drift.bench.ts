// `npm run bench:drift`: drift service throughput (20 features, 1-minute windows) next to a bare
// kafkajs consumer that only JSON.parses the same topic; and peak RSS after 1M and after 5M
// events through the same open windows (state must not grow with events).
//   BENCH_EVENTS (default 500000), BENCH_RSS_EVENTS (default "1000000,5000000"; "" skips).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { VigilConfig } from '@vigil/config'
import { createTestTopics, makePrediction, testConfig, testKafka } from '@vigil/testing'
import { envFor, finished, spawnVigil } from '../e2e/processes.js'
import { bareConsumer, ensureBroker, followGroup, produce, report } from './common.js'

const N = Number(process.env.BENCH_EVENTS ?? 500_000)
const RSS_RUNS = (process.env.BENCH_RSS_EVENTS ?? '1000000,5000000').split(',').filter(Boolean).map(Number)
const stopBroker = ensureBroker()

function setup(name: string, window: string) {
  const config = testConfig({
    name,
    dataDir: mkdtempSync(join(tmpdir(), `vigil-${name}-`)),
    env: { LOG_LEVEL: 'warn' },
  })
  // The drift process reads its model settings from a vigil.yaml the bench writes.
  const yaml = join(config.clickhouse.data_dir, 'vigil.yaml')
  return { config, yaml, window }
}

async function runDrift(config: VigilConfig, yaml: string, window: string, n: number) {
  writeFileSync(
    yaml,
    `models:\n  "*":\n    window: ${window}\n    allowed_lateness: 30s\n    idle_timeout: 1h\n`,
  )
  const drift = spawnVigil(['start', 'drift'], envFor(config, { VIGIL_CONFIG: yaml }))
  const exit = finished(drift)
  const result = await followGroup(
    testKafka(config),
    config.drift.group_id,
    config.kafka.topics.predictions,
    n,
    drift.pid!,
  ).catch(async (err: unknown) => {
    const out = await exit
    throw new Error(`${(err as Error).message} (exit ${out.code ?? out.signal}):\n${out.stderr.slice(-3000)}`)
  })
  drift.kill('SIGTERM')
  const out = await exit
  if (out.code !== 0) process.stderr.write(out.stderr)
  return result
}

// 1. Throughput with 1-minute windows (makePrediction: 3 models, 10 events/s of event time).
const t = setup('bdrift', '1m')
await createTestTopics(t.config)
process.stdout.write(`producing ${N} prediction events (15 numerical + 5 categorical features)...\n`)
await produce(testKafka(t.config), t.config.kafka.topics.predictions, N, makePrediction)
const bare = await bareConsumer(t.config.kafka.brokers, t.config.kafka.topics.predictions, N)
const drift = await runDrift(t.config, t.yaml, '1m', N)
const rows: [string, string][] = [
  ['events', `${N}, 20 features, 3 models, 1-minute windows`],
  ['bare kafkajs consumer + JSON.parse', `${Math.round(bare.eventsPerSec)} events/s`],
  [
    'drift service: windows, statistics, rows, metrics, checkpoints',
    `${Math.round(drift.eventsPerSec)} events/s`,
  ],
  ['drift / bare consumer', `${(drift.eventsPerSec / bare.eventsPerSec).toFixed(2)} (goal ≥ 0.5)`],
  ['drift peak RSS', `${Math.round(drift.peakRssMiB)} MiB`],
]
const json: Record<string, unknown> = {
  bench: 'drift',
  events: N,
  bareEventsPerSec: Math.round(bare.eventsPerSec),
  driftEventsPerSec: Math.round(drift.eventsPerSec),
  ratio: Number((drift.eventsPerSec / bare.eventsPerSec).toFixed(3)),
}

// 2. Memory: all events inside the same open windows (one 1-day window per model).
for (const n of RSS_RUNS) {
  const r = setup(`brss${n}`, '1d')
  await createTestTopics(r.config)
  const spacing = 60_000_000 / n // every event within the first 1000 minutes of the day
  await produce(testKafka(r.config), r.config.kafka.topics.predictions, n, (i) =>
    makePrediction(i, {
      timestamp: new Date(Date.UTC(2026, 10, 24) + Math.floor(i * spacing)).toISOString(),
    }),
  )
  const m = await runDrift(r.config, r.yaml, '1d', n)
  rows.push([`drift peak RSS after ${n} events in the same open windows`, `${Math.round(m.peakRssMiB)} MiB`])
  json[`peakRssMiB_${n}`] = Math.round(m.peakRssMiB)
}
report(rows, json)
stopBroker()
