import { attachQueryMetrics, type ClickHouse, connectClickHouse, migrate } from '@vigil/clickhouse'
import { loadVigilConfig, type VigilConfig } from '@vigil/config'
import { createKafka, createProducer, ensureTopics, type VigilProducer } from '@vigil/kafka'
import {
  createLogger,
  createMetricsRegistry,
  type Logger,
  type Registry,
  redactUrl,
} from '@vigil/observability'
import type { Kafka } from 'kafkajs'
import { explainStartupError } from './errors.js'
import { createHealthServer, type Readiness, readiness } from './health.js'
import { type Service, startAll } from './service.js'
import { onShutdownSignal } from './signals.js'

/** What every service of a process shares: one config, logger, registry, Kafka client, producer, ClickHouse. */
export interface ProcessDeps {
  config: VigilConfig
  log: Logger
  registry: Registry
  kafka: Kafka
  producer: VigilProducer
  ch: ClickHouse
  /** The process's readiness, as `/readyz` reports it. */
  readiness(): Readiness
}

/** What a consumer service is given: the process's clients, without the config it gets on its own. */
export type ServiceDeps = Omit<ProcessDeps, 'config' | 'readiness'>

export type ServiceFactory = (config: VigilConfig, deps: ProcessDeps) => Service

export interface RunningProcess {
  deps: ProcessDeps
  /** Port of /healthz, /readyz and /metrics. */
  httpPort: number
  /** Readiness fails first, then services stop (commit), then clients close, then HTTP. */
  stop(): Promise<void>
}

/**
 * Composition root of a vigil process: connects ClickHouse (embedded or server) and applies the
 * migrations, creates the topics, then starts the HTTP endpoints, the producer and the services.
 * @example const proc = await startProcess(config, [createRecorder]); await proc.stop()
 */
export async function startProcess(
  config: VigilConfig,
  factories: readonly ServiceFactory[],
  options: {
    log?: Logger
    registry?: Registry
    /** Brokers for the producer's own client (fault tests route it through a proxy they can cut). */
    producerBrokers?: string[]
  } = {},
): Promise<RunningProcess> {
  const log = options.log ?? createLogger({ name: 'vigil', level: config.log_level })
  const registry = options.registry ?? createMetricsRegistry()
  const ch = await connectClickHouse(config.clickhouse)
  attachQueryMetrics(ch, registry)
  log.info(
    {
      clickhouse: ch.kind === 'server' ? redactUrl(config.clickhouse.url ?? '') : config.clickhouse.data_dir,
      version: ch.serverVersion,
      database: ch.database,
    },
    `ClickHouse (${ch.kind}) connected`,
  )
  try {
    const report = await migrate(ch)
    if (report.applied.length > 0) log.info({ applied: report.applied }, 'migrations applied')
    const kafka = createKafka({ ...config.kafka, log })
    const created = await ensureTopics(kafka, Object.values(config.kafka.topics), config.kafka)
    if (created.length > 0) log.info({ topics: created }, 'topics created')
    const producer = createProducer(
      options.producerBrokers
        ? createKafka({ ...config.kafka, brokers: options.producerBrokers, log })
        : kafka,
    )
    let stopping = false
    let services: Service[] = []
    const deps: ProcessDeps = {
      config,
      log,
      registry,
      kafka,
      producer,
      ch,
      readiness: () => readiness(services, stopping),
    }
    services = factories.map((f) => f(config, deps))
    const http = createHealthServer({
      ...config.http,
      registry,
      log,
      services: () => services,
      isStopping: () => stopping,
    })
    const clients: Service = {
      name: 'clients',
      start: () => producer.start(),
      stop: async () => {
        await producer.stop()
        await ch.close()
      },
      health: () => ({ ready: true }),
    }
    const stopParts = await startAll([http, clients, ...services], (part, err) =>
      log.error({ err, part: part.name }, 'error while stopping'),
    )
    log.info({ services: services.map((s) => s.name) }, 'vigil started')
    return {
      deps,
      httpPort: http.port(),
      async stop() {
        stopping = true
        await stopParts()
        log.info('vigil stopped')
      },
    }
  } catch (err) {
    await ch.close()
    throw err
  }
}

/**
 * Starts a process and stops it cleanly on SIGTERM or SIGINT, also when the signal arrives while
 * it is still starting: after a crash, a consumer can wait a whole session timeout to rejoin its
 * group, and an orchestrator's stop in that time must not kill it mid-start.
 */
export function startUntilSignal(
  config: VigilConfig,
  factories: readonly ServiceFactory[],
): Promise<RunningProcess> {
  const log = createLogger({ name: 'vigil', level: config.log_level })
  const starting = startProcess(config, factories, { log })
  onShutdownSignal(log, async () => (await starting).stop())
  return starting
}

/**
 * A service's own `main.ts`: configuration from the environment and `vigil.yaml`, then
 * {@link startUntilSignal}; a failure to start is one clear line and the exit code of its kind.
 */
export async function runServiceMain(
  name: string,
  factory: ServiceFactory,
  env: Record<string, string | undefined>,
): Promise<void> {
  try {
    const config = loadVigilConfig({ env, cwd: process.cwd() })
    await startUntilSignal(config, [factory])
  } catch (err) {
    const { message, exitCode } = explainStartupError(err)
    process.stderr.write(`vigil ${name}: ${message}\n`)
    process.exit(exitCode)
  }
}
