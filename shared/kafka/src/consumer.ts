import { setTimeout as sleep } from 'node:timers/promises'
import { Counter, Gauge, Histogram, type Logger, type Registry } from '@vigil/observability'
import { type Consumer, type Kafka, type KafkaMessage, PartitionAssigners } from 'kafkajs'
import { coPartitionedAssigner } from './assigner.js'

/** One partition's messages, in offset order, as fetched. */
export interface PartitionBatch {
  topic: string
  partition: number
  messages: KafkaMessage[]
}

export interface BatchContext {
  /** Keeps the group membership alive during long work; cheap to call often (throttled). */
  heartbeat(): Promise<void>
  /** False once the consumer is stopping or the batch is stale after a rebalance: stop working. */
  isActive(): boolean
}

export interface BatchConsumerOptions {
  kafka: Kafka
  /** Names the consumer in logs and metrics. */
  name: string
  groupId: string
  topics: string[]
  log: Logger
  registry: Registry
  /**
   * Makes the batch's output durable (ClickHouse insert acknowledged, output topic acknowledged)
   * and resolves; only then is the batch's offset committed. Throwing means an infrastructure
   * error: the same batch is retried with backoff and nothing is committed meanwhile. Invalid
   * input must not throw: route it to the DLQ inside the handler.
   */
  handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void>
  /**
   * Called when the group's assignment changes, with the partitions now assigned (by topic), so
   * per-partition caches can be dropped.
   */
  onRebalance?(assignment: Readonly<Record<string, readonly number[]>>): void
  fromBeginning?: boolean
  /** The broker holds a fetch until this many bytes are ready or `maxWaitTimeInMs` passes. */
  minBytes?: number
  maxWaitTimeInMs?: number
  maxBytesPerPartition?: number
  maxBytes?: number
  partitionsConsumedConcurrently?: number
  /**
   * Give every member the same partition numbers of each topic (coPartitionedAssigner), for a
   * group that reads two topics keyed alike. Round-robin stays the fallback, so members of an
   * older version still agree on a protocol during a rolling upgrade.
   */
  coPartitioned?: boolean
  retryInitialMs?: number
  retryMaxMs?: number
  /** How long the consumer may be down (crashed, being restarted) before it reports not live. */
  livenessGraceMs?: number
  /** First wait before restarting a consumer that kafkajs gave up on; doubles up to 30 s. */
  restartInitialMs?: number
}

export interface ConsumerHealth {
  running: boolean
  /** False while the handler's sink is failing and the batch is being retried. */
  sinkHealthy: boolean
  lastError?: string
  /** Wall time of the last fetch or heartbeat, for a stall check. */
  lastActivityAt: number
  /**
   * False once the consumer has been down longer than the grace (kafkajs stopped it and vigil's
   * restarts keep failing): /healthz then fails, so a supervisor restarts the process.
   */
  live: boolean
  /** Restarts after kafkajs gave up on the consumer. */
  restarts: number
}

export interface BatchConsumer {
  start(): Promise<void>
  stop(): Promise<void>
  health(): ConsumerHealth
}

function consumerMetrics(registry: Registry) {
  const existing = registry.getSingleMetric('vigil_consumer_batches_total')
  if (existing) {
    return {
      batches: existing as Counter<'consumer'>,
      messages: registry.getSingleMetric('vigil_consumer_messages_total') as Counter<'consumer'>,
      duration: registry.getSingleMetric('vigil_consumer_batch_duration_seconds') as Histogram<'consumer'>,
      retries: registry.getSingleMetric('vigil_consumer_sink_retries_total') as Counter<'consumer'>,
      lag: registry.getSingleMetric('vigil_consumer_lag_messages') as Gauge<
        'consumer' | 'topic' | 'partition'
      >,
    }
  }
  return {
    batches: new Counter({
      name: 'vigil_consumer_batches_total',
      help: 'Partition batches made durable and committed',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    messages: new Counter({
      name: 'vigil_consumer_messages_total',
      help: 'Messages in committed batches',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'vigil_consumer_batch_duration_seconds',
      help: 'Time from receiving a partition batch to committing it, retries included',
      labelNames: ['consumer'],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'vigil_consumer_sink_retries_total',
      help: 'Batches retried because their sink (ClickHouse, a topic) failed; back-pressure time',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'vigil_consumer_lag_messages',
      help: 'Messages behind the partition high watermark after the last committed batch',
      labelNames: ['consumer', 'topic', 'partition'],
      registers: [registry],
    }),
  }
}

/**
 * A consumer-group loop with vigil's at-least-once discipline:
 * - `handleBatch` is awaited inside kafkajs's `eachBatch`; while it has not resolved, kafkajs
 *   fetches nothing more for that partition, so a slow or down sink is back-pressure, and memory
 *   is bounded by one fetch (`maxBytes`).
 * - the offset after the batch is committed only when `handleBatch` resolved (autoCommit off);
 * - a throwing handler is retried with exponential backoff, heartbeating, until it succeeds or
 *   the consumer stops or loses the partition: then nothing is committed and the batch is
 *   delivered again to whoever owns the partition next.
 * @example const c = createBatchConsumer({ kafka, name: 'recorder', groupId, topics, log, registry, handleBatch })
 */
export function createBatchConsumer(options: BatchConsumerOptions): BatchConsumer {
  const {
    kafka,
    name,
    groupId,
    topics,
    log,
    handleBatch,
    retryInitialMs = 200,
    retryMaxMs = 10_000,
    partitionsConsumedConcurrently = 1,
  } = options
  const metrics = consumerMetrics(options.registry)
  const livenessGraceMs = options.livenessGraceMs ?? 120_000
  const restartInitialMs = options.restartInitialMs ?? 1000
  const state: Omit<ConsumerHealth, 'live'> = {
    running: false,
    sinkHealthy: true,
    lastActivityAt: Date.now(),
    restarts: 0,
  }
  let consumer: Consumer | undefined
  let stopping = false
  /** When the consumer went down unexpectedly; undefined while it runs or before it started. */
  let downSince: number | undefined
  let restartTimer: NodeJS.Timeout | undefined

  /**
   * kafkajs restarts a consumer only after errors it deems retriable; after others (seen here:
   * "The coordinator is not aware of this member" after a long sink outage) it stops for good and
   * the process would stay up consuming nothing. So vigil restarts it, with backoff, and reports
   * not live if that keeps failing.
   */
  function scheduleRestart(attempt: number): void {
    if (stopping) return
    const wait = Math.min(30_000, restartInitialMs * 2 ** Math.min(attempt, 10))
    restartTimer = setTimeout(() => {
      const old = consumer
      void (async () => {
        try {
          await old?.disconnect().catch(() => undefined)
          if (stopping) return
          await connectAndRun()
          state.restarts++
          log.warn({ restarts: state.restarts }, 'consumer restarted after kafkajs stopped it')
        } catch (err) {
          state.lastError = (err as Error).message
          log.error({ err, attempt: attempt + 1 }, 'consumer restart failed; trying again')
          scheduleRestart(attempt + 1)
        }
      })()
    }, wait)
  }

  async function start(): Promise<void> {
    stopping = false
    await connectAndRun()
  }

  async function connectAndRun(): Promise<void> {
    consumer = kafka.consumer({
      groupId,
      minBytes: options.minBytes ?? 1,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 1000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
      maxBytes: options.maxBytes ?? 32 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
      ...(options.coPartitioned
        ? { partitionAssigners: [coPartitionedAssigner, PartitionAssigners.roundRobin] }
        : {}),
    })
    const c = consumer
    c.on(c.events.FETCH, () => {
      state.lastActivityAt = Date.now()
    })
    c.on(c.events.HEARTBEAT, () => {
      state.lastActivityAt = Date.now()
    })
    c.on(c.events.GROUP_JOIN, (e) => {
      log.info({ assignment: e.payload.memberAssignment }, 'partitions assigned')
      options.onRebalance?.(e.payload.memberAssignment)
    })
    c.on(c.events.CRASH, (e) => {
      state.lastError = e.payload.error.message
      log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed')
      if (!e.payload.restart && !stopping) {
        state.running = false
        downSince ??= Date.now()
        scheduleRestart(0)
      }
    })
    await c.connect()
    await c.subscribe({ topics, fromBeginning: options.fromBeginning ?? true })
    state.running = true
    downSince = undefined
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (batch.isEmpty()) return
        const started = performance.now()
        const part: PartitionBatch = {
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages,
        }
        const isActive = () => isRunning() && !isStale()
        for (let attempt = 0; ; attempt++) {
          if (!isActive()) return // stopping or rebalanced: commit nothing; the batch comes again
          try {
            await handleBatch(part, { heartbeat, isActive })
            break
          } catch (err) {
            // Stopping or rebalanced during the batch: abandoned, an outcome, not a sink failure.
            // Nothing is committed; the partition's next owner receives the batch again.
            if (!isActive()) {
              log.info(
                { topic: batch.topic, partition: batch.partition },
                'batch abandoned: stopping or rebalanced',
              )
              return
            }
            state.sinkHealthy = false
            state.lastError = (err as Error).message
            metrics.retries.inc({ consumer: name })
            const wait = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(attempt, 16))
            log.warn(
              { err, topic: batch.topic, partition: batch.partition, attempt: attempt + 1, retryInMs: wait },
              'batch not durable; pausing this partition and retrying',
            )
            await waitHeartbeating(wait, heartbeat, isActive)
          }
        }
        state.sinkHealthy = true
        state.lastError = undefined
        const last = batch.lastOffset()
        resolveOffset(last)
        await c.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
        ])
        await heartbeat()
        state.lastActivityAt = Date.now()
        metrics.batches.inc({ consumer: name })
        metrics.messages.inc({ consumer: name }, batch.messages.length)
        metrics.duration.observe({ consumer: name }, (performance.now() - started) / 1000)
        const lag = Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)
        metrics.lag.set(
          { consumer: name, topic: batch.topic, partition: String(batch.partition) },
          Math.max(0, lag),
        )
      },
    })
  }

  async function stop(): Promise<void> {
    stopping = true
    clearTimeout(restartTimer)
    state.running = false
    // kafkajs's disconnect stops fetching, waits for the running eachBatch, leaves the group.
    await consumer?.disconnect()
  }

  return {
    start,
    stop,
    health: () => ({
      ...state,
      live: downSince === undefined || Date.now() - downSince < livenessGraceMs,
    }),
  }
}

async function waitHeartbeating(
  ms: number,
  heartbeat: () => Promise<void>,
  isActive: () => boolean,
): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until && isActive()) {
    await sleep(Math.min(1000, until - Date.now()))
    try {
      await heartbeat()
    } catch {
      return // a rebalance is under way; the loop sees isActive() false
    }
  }
}
