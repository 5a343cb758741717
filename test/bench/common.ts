// Plumbing shared by the benchmarks: the broker, producing events, the bare-consumer baseline,
// and following a consumer group's commits and a process's peak RSS.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { VigilConfig } from '@vigil/config'
import type { LabelEvent, OutcomeEvent, PredictionEvent } from '@vigil/events'
import { publish } from '@vigil/testing'
import type { Kafka } from 'kafkajs'
import { finished, repoRoot, tsxLoader } from '../e2e/processes.js'

const kafkaScript = fileURLToPath(new URL('../../deploy/local/kafka.sh', import.meta.url))

/** Starts the local broker unless one runs; returns a function that stops it if it started it. */
export function ensureBroker(): () => void {
  const state = execFileSync('bash', [kafkaScript, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const started = state.trim().split('\n').at(-1) === 'started'
  return () => {
    if (started) execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' })
  }
}

/** Publishes `n` events made by `make(i)` in acknowledged batches; returns events per second. */
export async function produce(
  kafka: Kafka,
  topic: string,
  n: number,
  make: (i: number) => PredictionEvent | LabelEvent | OutcomeEvent,
): Promise<number> {
  const t = performance.now()
  for (let start = 0; start < n; start += 50_000) {
    const events = Array.from({ length: Math.min(50_000, n - start) }, (_, i) => make(start + i))
    // 1000 per send keeps each partition's record batch under the broker's 1 MB limit.
    await publish(kafka, topic, events, 1000)
  }
  return n / ((performance.now() - t) / 1000)
}

/** The baseline: a kafkajs consumer that only JSON.parses the topic, in its own process. */
export async function bareConsumer(brokers: string[], topic: string, n: number) {
  const script = fileURLToPath(new URL('./bare-consumer.ts', import.meta.url))
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, script, brokers.join(','), topic, String(n)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const out = await finished(child)
  const r = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as {
    events: number
    seconds: number
    maxRssMiB: number
  }
  return { eventsPerSec: r.events / r.seconds, maxRssMiB: r.maxRssMiB }
}

export async function committed(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return (offsets?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0)
  } finally {
    await admin.disconnect()
  }
}

/** Peak resident set (VmHWM) of a process, in MiB. */
export function peakRssMiB(pid: number): number {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    throw new Error(`process ${pid} exited before the group caught up`)
  }
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

/**
 * Follows a consumer group until it committed `n` offsets of `topic`; the rate is measured
 * between its first and its last commit (steady state, like the bare consumer's batches).
 */
export async function followGroup(kafka: Kafka, groupId: string, topic: string, n: number, pid: number) {
  let first: { at: number; done: number } | undefined
  let peak = 0
  for (;;) {
    const done = await committed(kafka, groupId, topic)
    peak = Math.max(peak, peakRssMiB(pid))
    if (done > 0 && !first) first = { at: performance.now(), done }
    if (done >= n) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const seconds = (performance.now() - first!.at) / 1000
  // Too few commits after the first to time (a run that fits in one or two batches): no figure.
  const measured = n - first!.done >= n / 10
  return { eventsPerSec: measured ? (n - first!.done) / seconds : Number.NaN, peakRssMiB: peak }
}

export function report(rows: [string, string][], json: Record<string, unknown>): void {
  process.stdout.write(
    `\n${rows.map(([k, v]) => `${k.padEnd(64)} ${v}`).join('\n')}\n${JSON.stringify(json)}\n`,
  )
}

/** The q-quantile of `xs` (nearest rank); NaN for none. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN
}

export const ms = (x: number) => `${x.toFixed(1)} ms`

/**
 * `vigil start <services>` in a process of its own, reading `yaml` as vigil.yaml, on `config`'s
 * topics and database, with `env` added (tokens): what a benchmark loads from outside.
 */
export function startVigil(
  config: VigilConfig,
  yaml: string,
  services: readonly string[],
  env: Record<string, string>,
): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'))
  writeFileSync(join(dir, 'vigil.yaml'), yaml)
  const cli = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url))
  return spawn(
    process.execPath,
    ['--conditions=@vigil/source', '--import', tsxLoader, cli, 'start', ...services],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        VIGIL_CONFIG: join(dir, 'vigil.yaml'),
        KAFKA_TOPIC_PREFIX: config.kafka.topics.dlq.slice(0, -'vigil.dlq'.length),
        CLICKHOUSE_DATABASE: config.clickhouse.database,
        VIGIL_DATA_DIR: config.clickhouse.data_dir,
        VIGIL_HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
    },
  )
}
