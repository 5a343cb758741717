// `npm run bench`: recorder throughput, end to end from Kafka to acknowledged ClickHouse insert,
// next to a bare kafkajs consumer that only JSON.parses the same topic, in the same run on the
// same machine; and the recorder's peak RSS. Prints figures; never fails on timing.
//   BENCH_EVENTS (default 500000) events of 20 features (15 numerical, 5 categorical).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestTopics, makePrediction, testConfig, testKafka } from '@vigil/testing'
import { envFor, finished, spawnVigil } from '../e2e/processes.js'
import { bareConsumer, ensureBroker, followGroup, produce, report } from './common.js'

const N = Number(process.env.BENCH_EVENTS ?? 500_000)
const stopBroker = ensureBroker()
const config = testConfig({
  name: 'bench',
  dataDir: mkdtempSync(join(tmpdir(), 'vigil-bench-')),
  env: { LOG_LEVEL: 'warn' },
})
const kafka = testKafka(config)
const topic = config.kafka.topics.predictions
await createTestTopics(config)

process.stdout.write(`producing ${N} prediction events (20 features) to ${topic}...\n`)
const bytes = JSON.stringify(makePrediction(1)).length
const produced = await produce(kafka, topic, N, makePrediction)
const bare = await bareConsumer(config.kafka.brokers, topic, N)

const recorder = spawnVigil(['start', 'recorder'], envFor(config))
const exit = finished(recorder)
const rec = await followGroup(kafka, config.recorder.group_id, topic, N, recorder.pid!)
recorder.kill('SIGTERM')
await exit

report(
  [
    ['events', `${N} (${bytes} bytes each, 20 features)`],
    ['producer (kafkajs, acks=all, batches of 1000)', `${Math.round(produced)} events/s`],
    [
      'bare kafkajs consumer + JSON.parse',
      `${Math.round(bare.eventsPerSec)} events/s, peak RSS ${Math.round(bare.maxRssMiB)} MiB`,
    ],
    [
      'recorder: Kafka → validated → ClickHouse insert acked → commit',
      `${Math.round(rec.eventsPerSec)} events/s`,
    ],
    ['recorder / bare consumer', `${(rec.eventsPerSec / bare.eventsPerSec).toFixed(2)} (goal ≥ 0.5)`],
    ['recorder peak RSS (VmHWM)', `${Math.round(rec.peakRssMiB)} MiB`],
  ],
  {
    bench: 'recorder',
    events: N,
    bareEventsPerSec: Math.round(bare.eventsPerSec),
    recorderEventsPerSec: Math.round(rec.eventsPerSec),
    ratio: Number((rec.eventsPerSec / bare.eventsPerSec).toFixed(3)),
    recorderPeakRssMiB: Math.round(rec.peakRssMiB),
  },
)
stopBroker()
