// `npm run bench:scale`: recorder throughput of one instance against two in one consumer group,
// the second writing through the first's served engine (clickhouse.serve) as CLICKHOUSE_URL: what
// a second instance adds on one machine. Then the whole pipeline (recorder, drift, joiner,
// performance, fairness, rules) with 1, 2 and 3 instances of every service, each set in a
// process of its own: predictions and labels for a third of them published once every member has
// joined, timed until every group has caught up, with the CPU of all processes. Prints figures;
// never fails on timing.
//   BENCH_EVENTS (default 300000) events of 20 features, into 6 partitions (the recorder runs);
//   BENCH_PIPELINE_EVENTS (default 100000) predictions for the pipeline runs; BENCH_ONLY=recorder|pipeline.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createTestTopics,
  freePort,
  makeLabel,
  makePrediction,
  testConfig,
  testKafka,
  waitFor,
} from '@vigil/testing'
import { groupsCaughtUp, groupsHave } from '../e2e/outage-scenario.js'
import { envFor, finished, spawnVigil } from '../e2e/processes.js'
import { ensureBroker, followGroup, produce, report } from './common.js'
import { cpuSeconds } from './service-process.js'

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

const PIPELINE = ['recorder', 'drift', 'joiner', 'performance', 'fairness', 'rules']
const PIPELINE_N = Number(process.env.BENCH_PIPELINE_EVENTS ?? 100_000)

/** The six services in `instances` processes (the first holds the engine); predictions, then labels. */
async function pipeline(instances: number) {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-pipeline-'))
  const file = join(dir, 'vigil.yaml')
  writeFileSync(
    file,
    `kafka: { partitions: 6 }
clickhouse:
  serve:
    port: ${port}
    users:
      - { name: vigil, password_env: CH_PASSWORD, readonly: false }
alerting: { handover_grace: 15s }
models:
  "*": { window: 1h, positive_class: fraud, sensitive_attributes: { region: { reference_group: eu } } }
`,
  )
  const config = testConfig({
    name: `pipe${instances}`,
    dataDir: join(dir, 'data'),
    env: { VIGIL_CONFIG: file, LOG_LEVEL: 'warn' },
  })
  const kafka = testKafka(config)
  await createTestTopics(config)
  const env = envFor(config, { VIGIL_CONFIG: file, CH_PASSWORD: PASSWORD })
  const holder = spawnVigil(['start', ...PIPELINE, 'clickhouse-http'], env)
  const children = [holder]
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/ping`).catch(() => undefined))?.ok === true,
    90_000,
    200,
  )
  for (let i = 1; i < instances; i++)
    children.push(
      spawnVigil(['start', ...PIPELINE], {
        ...env,
        CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
        CLICKHOUSE_USER: 'vigil',
        CLICKHOUSE_PASSWORD: PASSWORD,
      }),
    )
  const exits = children.map(finished)
  if (!(await waitFor(() => groupsHave(kafka, config, instances), 180_000, 1000)))
    throw new Error(`pipeline ×${instances}: not every group has ${instances} members`)
  const cpu0 = children.reduce((s, c) => s + cpuSeconds(c.pid!), 0)
  const t0 = performance.now()
  const model = (i: number) => `model-${i % 60}`
  await produce(kafka, config.kafka.topics.predictions, PIPELINE_N, (i) =>
    makePrediction(i, { model_id: model(i) }),
  )
  const labels = Math.floor(PIPELINE_N / 3)
  await produce(kafka, config.kafka.topics.labels, labels, (k) =>
    makeLabel(3 * k, { model_id: model(3 * k) }),
  )
  if (!(await waitFor(() => groupsCaughtUp(kafka, config), 1_800_000, 500)))
    throw new Error(`pipeline ×${instances}: not caught up`)
  const seconds = (performance.now() - t0) / 1000
  const cpu = children.reduce((s, c) => s + cpuSeconds(c.pid!), 0) - cpu0
  for (const c of children.reverse()) c.kill('SIGTERM')
  await Promise.all(exits)
  return { eventsPerSec: (PIPELINE_N + labels) / seconds, seconds, cpuShare: cpu / seconds }
}

const only = process.env.BENCH_ONLY
const rows: [string, string][] = []
const json: Record<string, unknown> = { bench: 'scale' }
if (only !== 'pipeline') {
  const one = await run(0)
  const two = await run(1)
  rows.push(
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
  )
  Object.assign(json, { events: N, one: one.eventsPerSec, two: two.eventsPerSec })
}
if (only !== 'recorder') {
  rows.push([
    'pipeline events',
    `${PIPELINE_N} predictions + ${Math.floor(PIPELINE_N / 3)} labels, 60 models, 6 partitions`,
  ])
  const runs: Record<string, unknown> = {}
  for (const n of [1, 2, 3]) {
    const r = await pipeline(n)
    runs[n] = r
    rows.push([
      `pipeline, ${n} instance${n > 1 ? 's' : ''} of every service`,
      `${Math.round(r.eventsPerSec)} events/s (${r.seconds.toFixed(1)} s), CPU ${(r.cpuShare * 100).toFixed(0)}% of a core`,
    ])
  }
  json.pipeline = runs
}
stopBroker()
report(rows, json)
