// `npm run bench:outcomes`: the joiner's labels/s with BENCH_PREDICTIONS predictions stored, next
// to a bare kafkajs consumer of the same labels; then the performance service's outcomes/s; the
// peak RSS of each. Labels arrive in prediction order (as delayed ground truth does).
//   BENCH_PREDICTIONS (default 1000000), BENCH_LABELS (default 200000).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { VigilConfig } from '@vigil/config'
import { createTestTopics, makeLabel, makePrediction, testConfig, testKafka } from '@vigil/testing'
import { envFor, finished, spawnVigil } from '../e2e/processes.js'
import { bareConsumer, ensureBroker, followGroup, produce, report } from './common.js'

const PREDICTIONS = Number(process.env.BENCH_PREDICTIONS ?? 1_000_000)
const LABELS = Number(process.env.BENCH_LABELS ?? 200_000)
const stopBroker = ensureBroker()

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-outcomes-'))
const yaml = join(dataDir, 'vigil.yaml')
writeFileSync(yaml, 'models:\n  "*":\n    window: 1h\n    positive_class: fraud\n')
const config = testConfig({ name: 'boutcomes', dataDir, env: { LOG_LEVEL: 'warn', VIGIL_CONFIG: yaml } })
const env = envFor(config, { VIGIL_CONFIG: yaml })
const kafka = testKafka(config)
const { topics } = config.kafka

/** Runs `vigil start <service>` until its group committed `n` offsets of `topic`. */
async function run(service: string, groupId: string, topic: string, n: number) {
  const child = spawnVigil(['start', service], env)
  const exit = finished(child)
  const result = await followGroup(kafka, groupId, topic, n, child.pid!).catch(async (err: unknown) => {
    const out = await exit
    throw new Error(`${(err as Error).message} (exit ${out.code ?? out.signal}):\n${out.stderr.slice(-3000)}`)
  })
  child.kill('SIGTERM')
  const out = await exit
  if (out.code !== 0) process.stderr.write(out.stderr)
  return result
}

async function main(c: VigilConfig) {
  await createTestTopics(c)
  process.stdout.write(`producing and recording ${PREDICTIONS} predictions...\n`)
  await produce(kafka, topics.predictions, PREDICTIONS, makePrediction)
  await run('recorder', c.recorder.group_id, topics.predictions, PREDICTIONS)
  // Every (PREDICTIONS / LABELS)-th prediction gets its label, in order.
  const step = Math.max(1, Math.floor(PREDICTIONS / LABELS))
  await produce(kafka, topics.labels, LABELS, (i) => makeLabel(i * step))
  const bare = await bareConsumer(c.kafka.brokers, topics.labels, LABELS)
  const joiner = await run('joiner', c.joiner.group_id, topics.labels, LABELS)
  const performance = await run('performance', c.performance.group_id, topics.outcomes, LABELS)
  report(
    [
      ['predictions stored', `${PREDICTIONS}`],
      ['labels', `${LABELS}, in prediction order`],
      ['bare kafkajs consumer + JSON.parse', `${Math.round(bare.eventsPerSec)} labels/s`],
      ['joiner: lookups, outcomes stored and published', `${Math.round(joiner.eventsPerSec)} labels/s`],
      ['joiner / bare consumer', (joiner.eventsPerSec / bare.eventsPerSec).toFixed(2)],
      ['joiner peak RSS', `${Math.round(joiner.peakRssMiB)} MiB`],
      ['performance: windows recomputed per batch', `${Math.round(performance.eventsPerSec)} outcomes/s`],
      ['performance peak RSS', `${Math.round(performance.peakRssMiB)} MiB`],
    ],
    {
      bench: 'outcomes',
      predictions: PREDICTIONS,
      labels: LABELS,
      bareLabelsPerSec: Math.round(bare.eventsPerSec),
      joinerLabelsPerSec: Math.round(joiner.eventsPerSec),
      joinerPeakRssMiB: Math.round(joiner.peakRssMiB),
      performanceOutcomesPerSec: Math.round(performance.eventsPerSec),
      performancePeakRssMiB: Math.round(performance.peakRssMiB),
    },
  )
}

try {
  await main(config)
} finally {
  stopBroker()
}
