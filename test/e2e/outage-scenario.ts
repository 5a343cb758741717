// The outage scenario shared by the suite (test/e2e/outage.test.ts) and `npm run bench:faults`:
// the six consumer services in one process over one stream, uninterrupted or with a fault in the
// middle of its predictions and again of its labels.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { type ClickHouse, queryRows } from '@vigil/clickhouse'
import { createClickHouseHttp } from '@vigil/clickhouse-http'
import type { VigilConfig } from '@vigil/config'
import { createDrift } from '@vigil/drift'
import type { LabelEvent, PredictionEvent } from '@vigil/events'
import { createFairness } from '@vigil/fairness'
import { createJoiner } from '@vigil/joiner'
import { readDlqHeaders } from '@vigil/kafka'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { createPerformance } from '@vigil/performance'
import { createRecorder } from '@vigil/recorder'
import { createRules } from '@vigil/rules'
import { type RunningProcess, type ServiceFactory, startProcess } from '@vigil/runtime'
import {
  freePort,
  groupLag,
  publish,
  readTopic,
  refuseWrites,
  startServices,
  tcpProxy,
  waitFor,
  webhookReceiver,
} from '@vigil/testing'
import type { Kafka } from 'kafkajs'
import { envFor, finished, spawnVigil } from './processes.js'

const SECRET = 'whsec-outage-0123456789'
const T0 = Date.UTC(2026, 10, 24, 0)
const H = 3_600_000
const MODELS = ['fraud', 'churn', 'credit']
export const INVALID = ['{nope', '{"schema_version":1}', 'null']
const KAFKA_SCRIPT = join(import.meta.dirname, '../../deploy/local/kafka.sh')
const PROXY_PORT = Number(process.env.KAFKA_PROXY_PORT ?? 9094)
const PROXIED_PORT = Number(process.env.KAFKA_PROXIED_PORT ?? 9095)
export const ALL: ServiceFactory[] = [
  createRecorder,
  createDrift,
  createJoiner,
  createPerformance,
  createFairness,
  createRules,
]

/** Prediction `i`: models in turn, 12 s apart (80 one-hour windows); `amount` shifts in hours 30–39 of `fraud`. */
function prediction(i: number): PredictionEvent {
  const model = MODELS[i % MODELS.length]!
  const t = T0 + Math.floor(i / MODELS.length) * 36_000
  const hour = Math.floor((t - T0) / H)
  const shifted = model === 'fraud' && hour >= 30 && hour < 40
  const score = ((i * 37) % 100) / 100
  return {
    schema_version: 1,
    prediction_id: `p${i}`,
    model_id: model,
    model_version: 'v1',
    timestamp: new Date(t).toISOString(),
    features: {
      amount: ((i * 7919) % 1000) / 10 + (shifted ? 60 : 0),
      country: ['DE', 'FR', 'IT', 'ES'][i % 4]!,
    },
    prediction: { label: score >= 0.5 ? 'yes' : 'no', score },
    attributes: { group: i % 2 ? 'a' : 'b' },
  }
}

/** Every second prediction gets its label, two days later. */
function label(i: number): LabelEvent {
  return {
    schema_version: 1,
    prediction_id: `p${i}`,
    model_id: MODELS[i % MODELS.length]!,
    timestamp: new Date(T0 + 2 * 86_400_000 + i * 1000).toISOString(),
    label: i % 3 === 0 ? 'yes' : 'no',
  }
}

/** The three-node cluster of `kafka.sh cluster`, for the failover run. */
export const CLUSTER_BROKERS = ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094']
const WRITER_PASSWORD = 'outage-writer-0123456789'

/** The failover run's additions: replicated topics, the engine served to a second process, a handover grace. */
function clusterYaml(servePort: number): string {
  return `kafka:
  replication_factor: 3
  min_insync_replicas: 2
clickhouse:
  serve:
    port: ${servePort}
    users:
      - { name: vigil, password_env: CH_WRITER_PASSWORD, readonly: false }
`
}

function yaml(hookUrl: string, handoverGrace = '0s'): string {
  return `joiner:
  retry_interval: 1s
performance:
  republish_interval: 1s
fairness:
  republish_interval: 1s
alerting:
  handover_grace: ${handoverGrace}
  retry: { max_attempts: 20, initial_backoff: 200ms, max_backoff: 2s }
  allow_private: [127.0.0.1]
  webhooks:
    oncall: { url: "${hookUrl}", secret_env: HOOK_SECRET, timeout: 2s }
models:
  "*":
    window: 1h
    allowed_lateness: 0s
    idle_timeout: 1d
    positive_class: "yes"
    sensitive_attributes: { group: { reference_group: a } }
rules:
  - name: amount-psi
    model: fraud
    metric: drift.psi
    feature: amount
    when: "> 0.2"
    severity: critical
    notify: ["webhook:oncall"]
`
}

export type Fault = 'none' | 'clickhouse' | 'produce' | 'broker' | 'rebalance' | 'failover'

/** How long each fault lasts in the suite, in each of the two phases (predictions, then labels). */
export const FAULT_MS: Record<Fault, number> = {
  none: 0,
  clickhouse: 20_000,
  produce: 25_000,
  broker: 20_000,
  rebalance: 15_000,
  failover: 15_000,
}

export interface RunResult {
  /** Per phase: from the end of the fault to every group caught up. */
  recoveryMs: number[]
  /** Per phase: from the fault's start (the kills, for failover) to every group caught up. */
  sinceFaultMs: number[]
  /** Events per second over the whole run (predictions and labels), faults included. */
  eventsPerSec: number
  tables: Record<string, string[]>
  deliveries: string[]
  dlq: number
  validInDlq: number
  ready: boolean
}

/** The rows of each window's last version: earlier versions depend on how batches were cut. */
function lastVersions(table: string, columns: string): string {
  return `SELECT model_id, window_start, ${columns}, version FROM {db:Identifier}.${table}
           WHERE (model_id, window_start, version) IN
                 (SELECT model_id, window_start, max(version) FROM {db:Identifier}.${table} GROUP BY ALL)
           ORDER BY ALL`
}

/** Every table the services write, as sorted text lines; windows re-published by version at their last. */
async function tables(ch: ClickHouse): Promise<Record<string, string[]>> {
  const lines = async (sql: string) =>
    (await queryRows<Record<string, unknown>>(ch, sql)).map((r) => JSON.stringify(Object.values(r)))
  return {
    drift_windows: await lines(
      'SELECT DISTINCT model_id, window_start, feature, metric, value, drifted FROM {db:Identifier}.drift_windows ORDER BY ALL',
    ),
    quality_windows: await lines(
      'SELECT DISTINCT * EXCEPT computed_at FROM {db:Identifier}.quality_windows ORDER BY ALL',
    ),
    outcomes: await lines(
      'SELECT model_id, prediction_id, label, predicted_label, score FROM {db:Identifier}.outcomes FINAL ORDER BY ALL',
    ),
    performance_windows: await lines(lastVersions('performance_windows', 'class, metric, value, n_labelled')),
    fairness_windows: await lines(lastVersions('fairness_windows', 'attribute, group, metric, value')),
    alerts: await lines(
      'SELECT alert_key, status, episode, window_start FROM {db:Identifier}.alerts FINAL ORDER BY ALL',
    ),
    alert_history: await lines(
      'SELECT DISTINCT alert_key, transition, window_start FROM {db:Identifier}.alert_history ORDER BY ALL',
    ),
    predictions: await lines('SELECT count(), uniqExact(prediction_id) FROM {db:Identifier}.predictions'),
  }
}

/** The six consumer services' groups, each with the topics it reads. */
function consumerGroups(config: VigilConfig): [string, string[]][] {
  const { topics } = config.kafka
  return [
    [config.recorder.group_id, [topics.predictions, topics.labels]],
    [config.drift.group_id, [topics.predictions]],
    [config.joiner.group_id, [topics.labels, topics.predictions]],
    [config.performance.group_id, [topics.outcomes]],
    [config.fairness.group_id, [topics.predictions, topics.outcomes]],
    [config.alerting.group_id, [topics.metrics]],
  ]
}

/** Every one of those groups has committed everything on its topics. */
export async function groupsCaughtUp(kafka: Kafka, config: VigilConfig): Promise<boolean> {
  for (const [group, ts] of consumerGroups(config)) if ((await groupLag(kafka, group, ts)) > 0) return false
  return true
}

async function caughtUp(kafka: Kafka, config: VigilConfig, ch: ClickHouse): Promise<boolean> {
  // Windows put off by the republish interval first: publishing them lags the metrics again.
  const [w] = await queryRows<{ n: string }>(
    ch,
    "SELECT count() AS n FROM {db:Identifier}.window_schedule FINAL WHERE status = 'waiting'",
  )
  return Number(w?.n) === 0 && groupsCaughtUp(kafka, config)
}

function broker(command: 'stop' | 'start'): void {
  execFileSync('bash', [KAFKA_SCRIPT, command], { stdio: ['ignore', 'ignore', 'inherit'] })
}

/** `kafka.sh cluster …`; its last line of output (started / reused for a start). */
function cluster(...args: string[]): string {
  return execFileSync('bash', [KAFKA_SCRIPT, 'cluster', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim()
    .split('\n')
    .at(-1)!
}

/** Every consumer group of the six services with `members` members, stable. */
export async function groupsHave(kafka: Kafka, config: VigilConfig, members: number): Promise<boolean> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const { groups } = await admin.describeGroups(consumerGroups(config).map(([g]) => g))
    return groups.every((g) => g.state === 'Stable' && g.members.length === members)
  } finally {
    await admin.disconnect()
  }
}

/**
 * Starts a fault; returns its end. `began.at` is when it began: set by the caller, and moved by a
 * failover to its kills, which come a few seconds after its setup.
 */
async function inject(
  fault: Fault,
  proc: RunningProcess,
  proxy: Awaited<ReturnType<typeof tcpProxy>>,
  base: VigilConfig,
  cleanup: (f: () => Promise<void>) => void,
  instances: number,
  began: { at: number },
) {
  switch (fault) {
    case 'clickhouse': {
      const outage = refuseWrites(proc.deps.ch)
      return async () => outage.restore()
    }
    case 'produce':
      proxy.cut()
      return async () => proxy.restore()
    case 'broker':
      broker('stop')
      return async () => broker('start')
    case 'rebalance': {
      // A second instance of every consumer joins the groups, and leaves.
      const other = await startProcess(base, ALL, {
        log: createLogger({ name: 'second', level: base.log_level }),
        registry: createMetricsRegistry({ defaultMetrics: false }),
      })
      cleanup(() => other.stop())
      return () => other.stop()
    }
    case 'failover': {
      // More processes, each with an instance of every consumer service writing through the
      // first's served engine, share the partitions (`instances` in all). A few seconds into the
      // stream one of them is SIGKILLed, and so is one of the three brokers; the others take its
      // partitions over.
      const port = base.clickhouse.serve?.port
      if (port === undefined) throw new Error('failover needs clickhouse.serve')
      const others = Array.from({ length: instances - 1 }, () => {
        const child = spawnVigil(
          ['start', 'recorder', 'drift', 'joiner', 'performance', 'fairness', 'rules'],
          envFor(base, {
            VIGIL_CONFIG: base.file!,
            CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
            CLICKHOUSE_USER: 'vigil',
            CLICKHOUSE_PASSWORD: WRITER_PASSWORD,
            HOOK_SECRET: SECRET,
          }),
        )
        const exited = finished(child)
        const stop = async (signal: NodeJS.Signals) => {
          child.kill(signal)
          return exited
        }
        cleanup(async () => void (await stop('SIGKILL')))
        return { child, stop }
      })
      const [victim, ...survivors] = others as [(typeof others)[0], ...typeof others]
      const kafka = proc.deps.kafka
      if (!(await waitFor(() => groupsHave(kafka, base, instances), 180_000, 500))) {
        const out = await Promise.all(others.map((o) => o.stop('SIGKILL')))
        throw new Error(
          `failover: not every group has ${instances} members:\n${out.map((o) => o.stderr.slice(-1500)).join('\n')}`,
        )
      }
      const kills = setTimeout(() => {
        began.at = Date.now()
        victim.child.kill('SIGKILL')
        cluster('kill', '2')
      }, 3_000)
      return async () => {
        clearTimeout(kills)
        await victim.stop('SIGKILL')
        cluster('start', '2')
        // The others leave cleanly at the end of the phase, as scaled-down instances would.
        for (const s of survivors) {
          const out = await s.stop('SIGTERM')
          if (out.code !== 0)
            throw new Error(
              `failover: an instance exited ${out.code ?? out.signal}:\n${out.stderr.slice(-3000)}`,
            )
        }
      }
    }
    default:
      return async () => undefined
  }
}

/**
 * One run of the scenario: N predictions (3 invalid among them), then a label for every second
 * one, each stream in two halves with the fault started between them and held for `faultMs`.
 * `cleanup` is given what must be closed should the run fail midway.
 */
export async function runOutage(
  fault: Fault,
  options: {
    predictions: number
    faultMs: number
    cleanup: (f: () => Promise<void>) => void
    /** Failover: instances of every consumer service, each set in a process of its own (default 2). */
    instances?: number
  },
): Promise<RunResult> {
  const { cleanup } = options
  const began = Date.now()
  const hooks = await webhookReceiver(SECRET)
  const proxy = await tcpProxy(PROXY_PORT, PROXIED_PORT)
  cleanup(hooks.close)
  cleanup(proxy.close)
  // The failover run is on the three-node cluster, its engine served to a second process; the
  // other runs on the single broker (their produce path through the proxy that 'produce' cuts).
  const failover = fault === 'failover'
  if (failover && cluster('start') === 'started') cleanup(async () => void cluster('stop'))
  // Several instances of the rules service: a partition's notifications wait out the sends of
  // its previous owner (webhook timeout 2 s).
  const grace = fault === 'rebalance' || failover ? '3s' : '0s'
  const { config, proc, kafka } = await startServices(
    `outage_${fault}`,
    yaml(hooks.url('/notify'), grace) + (failover ? clusterYaml(await freePort()) : ''),
    failover ? [...ALL, createClickHouseHttp] : ALL,
    failover
      ? { HOOK_SECRET: SECRET, KAFKA_BROKERS: CLUSTER_BROKERS.join(','), CH_WRITER_PASSWORD: WRITER_PASSWORD }
      : { HOOK_SECRET: SECRET },
    failover ? {} : { producerBrokers: [`127.0.0.1:${PROXY_PORT}`] },
  )
  cleanup(() => proc.stop())
  const { topics } = config.kafka
  const predictions: (PredictionEvent | string)[] = Array.from({ length: options.predictions }, (_, i) =>
    prediction(i),
  )
  for (const [k, bad] of INVALID.entries())
    predictions.splice(Math.floor((options.predictions / 4) * (k + 1)), 0, bad)
  const labels = Array.from({ length: options.predictions / 2 }, (_, k) => label(2 * k))
  const half = Math.floor(predictions.length / 2)
  const recoveryMs: number[] = []
  const sinceFaultMs: number[] = []

  // Two phases, the fault in the middle of each: predictions (recorder, drift, fairness, rules),
  // then labels (joiner, performance, fairness), so every service meets it mid-stream.
  const phases: {
    topic: string
    first: readonly (object | string)[]
    second: readonly (object | string)[]
  }[] = [
    { topic: topics.predictions, first: predictions.slice(0, half), second: predictions.slice(half) },
    {
      topic: topics.labels,
      first: labels.slice(0, labels.length / 2),
      second: labels.slice(labels.length / 2),
    },
  ]
  for (const { topic, first, second } of phases) {
    await publish(kafka, topic, first)
    const began = { at: Date.now() }
    const end = await inject(fault, proc, proxy, config, cleanup, options.instances ?? 2, began)
    const started = Date.now()
    if (fault !== 'broker') await publish(kafka, topic, second)
    await new Promise((r) => setTimeout(r, Math.max(0, options.faultMs - (Date.now() - started))))
    await end()
    const ended = Date.now()
    if (fault === 'broker') await publish(kafka, topic, second)
    // The labels' predictions are recorded before they come: coverage counts recorded predictions.
    if (!(await waitFor(() => caughtUp(kafka, config, proc.deps.ch), 600_000, 250)))
      throw new Error(`${fault}: the services did not catch up within 10 min of the fault's end`)
    recoveryMs.push(Date.now() - ended)
    sinceFaultMs.push(Date.now() - began.at)
  }
  const eventsPerSec = (predictions.length + labels.length) / ((Date.now() - began) / 1000)
  // The outbox delivers after the commit: wait until nothing is pending.
  const pending = () => Number(proc.deps.readiness().services.rules?.detail?.pendingNotifications ?? 0)
  if (!(await waitFor(() => pending() === 0, 60_000)))
    throw new Error(`${fault}: notifications still pending`)
  const ready = await waitFor(() => proc.deps.readiness().ready, 60_000)
  // An instance killed after its DLQ copies were acknowledged but before its commit has them sent
  // again by the next owner: the same original record, told apart by its provenance headers.
  const dlq = await readTopic(kafka, topics.dlq, 2 * INVALID.length + 1, 3_000)
  const dlqRecords = new Set(
    dlq.map((m) => {
      const h = readDlqHeaders(m.headers)
      return `${h.topic}/${h.partition}/${h.offset}`
    }),
  )
  const result: RunResult = {
    recoveryMs,
    sinceFaultMs,
    eventsPerSec,
    tables: await tables(proc.deps.ch),
    // What was notified, without the run's own names (database, topics) that the ids carry.
    deliveries: hooks.deliveries
      .map((d) => {
        const b = d.body as {
          kind: string
          window: unknown
          alerts: { alert_key?: string; status?: string }[]
        }
        return JSON.stringify([b.kind, b.window, b.alerts.map((a) => [a.alert_key, a.status])])
      })
      .sort(),
    dlq: dlqRecords.size,
    validInDlq: dlq.filter((m) => !INVALID.includes(m.value.toString())).length,
    ready,
  }
  await proc.stop()
  await proxy.close()
  await hooks.close()
  return result
}
