// `npm run bench:scale`: recorder throughput of one instance against two in one consumer group,
// the second writing through the first's served engine (clickhouse.serve) as CLICKHOUSE_URL: what
// a second instance adds on one machine. Prints figures; never fails on timing.
//   BENCH_EVENTS (default 300000) events of 20 features, into 6 partitions.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestTopics, freePort, makePrediction, testConfig, testKafka, waitFor } from '@vigil/testing'
import { envFor, finished, spawnVigil } from '../e2e/processes.js'
import { ensureBroker, followGroup, produce, report } from './common.js'

const N = Number(process.env.BENCH_EVENTS ?? 300_000)
const PASSWORD = 'bench-writer-0123456789'
const stopBroker = ensureBroker()

/** One run: the holder (recorder + served engine) and `extra` recorders through it. */
async function run(extra: number): Promise<{ eventsPerSec: number; holderRssMiB: number }> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-scale-'))
  const file = join(dir, 'vigil.yaml')
  writeFileSync(
    file,
    `kafka: { partitions: 6 }\nclickhouse:\n  serve:\n    port: ${port}\n    users:\n      - { name: vigil, password_env: CH_PASSWORD, readonly: false }\n`,
  )
  const config = testConfig({
    name: `scale${extra}`,
    dataDir: join(dir, 'data'),
    env: { VIGIL_CONFIG: file, LOG_LEVEL: 'warn' },
  })
  const kafka = testKafka(config)
  const topic = config.kafka.topics.predictions
  await createTestTopics(config)
  await produce(kafka, topic, N, (i) => makePrediction(i, { model_id: `model-${i % 60}` }))
  const env = envFor(config, { VIGIL_CONFIG: file, CH_PASSWORD: PASSWORD })
  const holder = spawnVigil(['start', 'recorder', 'clickhouse-http'], env)
  const exits = [finished(holder)]
  const others = Array.from({ length: extra }, () =>
    spawnVigil(['start', 'recorder'], {
      ...env,
      CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
      CLICKHOUSE_USER: 'vigil',
      CLICKHOUSE_PASSWORD: PASSWORD,
    }),
  )
  exits.push(...others.map(finished))
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/ping`).catch(() => undefined))?.ok === true,
    60_000,
    200,
  )
  const r = await followGroup(kafka, config.recorder.group_id, topic, N, holder.pid!)
  for (const p of [...others, holder]) p.kill('SIGTERM')
  await Promise.all(exits)
  return { eventsPerSec: r.eventsPerSec, holderRssMiB: r.peakRssMiB }
}

const one = await run(0)
const two = await run(1)
stopBroker()
report(
  [
    ['events', `${N} (20 features, 6 partitions)`],
    [
      'one recorder (holds the engine)',
      `${Math.round(one.eventsPerSec)} events/s, RSS ${Math.round(one.holderRssMiB)} MiB`,
    ],
    [
      'two recorders (the second through the served engine)',
      `${Math.round(two.eventsPerSec)} events/s, holder RSS ${Math.round(two.holderRssMiB)} MiB`,
    ],
    ['two / one', (two.eventsPerSec / one.eventsPerSec).toFixed(2)],
  ],
  { events: N, one: one.eventsPerSec, two: two.eventsPerSec },
)
