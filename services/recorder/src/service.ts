import { setImmediate } from 'node:timers/promises'
import {
  insertRows,
  LABELS,
  PREDICTIONS,
  runQuery,
  storedHighWaterMarkQuery,
  type TableDef,
} from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { createEventParser, type EventParser } from '@vigil/events'
import { type BatchContext, createBatchConsumer, type PartitionBatch, toDlqMessage } from '@vigil/kafka'
import { Counter, Histogram, type Registry } from '@vigil/observability'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { type Chunk, type Rejected, routeBatch, toChunk } from './steps/routeBatch.js'
import { type Provenance, toLabelRow, toPredictionRow } from './steps/toRows.js'

export type RecorderDeps = ServiceDeps

type RecorderConfig = Pick<VigilConfig, 'kafka' | 'recorder'>

interface Route {
  table: TableDef<object>
  parser: EventParser<unknown>
  toRow: (event: never, from: Provenance) => object
}

function recorderMetrics(registry: Registry) {
  return {
    rows: new Counter({
      name: 'vigil_recorder_rows_inserted_total',
      help: 'Rows acknowledged by ClickHouse, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    dlq: new Counter({
      name: 'vigil_recorder_dlq_total',
      help: 'Invalid events sent to the dead-letter topic, by source topic and kind of problem',
      labelNames: ['topic', 'code'],
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'vigil_recorder_redelivered_skipped_total',
      help: 'Re-delivered events skipped because ClickHouse already held them (after a restart or rebalance)',
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'vigil_clickhouse_insert_duration_seconds',
      help: 'Time for ClickHouse to acknowledge one insert, by table',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  }
}

/**
 * The recorder: raw prediction and label events from Kafka into ClickHouse, invalid ones to the
 * DLQ. A partition batch is committed only after its DLQ records are acknowledged by Kafka and its
 * rows by ClickHouse. Re-delivered events never become duplicate rows: inserts carry a
 * deduplication token per offset range (a retried insert is dropped by ClickHouse), and after a
 * restart or rebalance each partition resumes after the highest offset ClickHouse already holds.
 * @example const recorder = createRecorder(config, { kafka, producer, ch, log, registry })
 */
export function createRecorder(config: RecorderConfig, deps: RecorderDeps): Service {
  const { kafka, producer, ch, registry } = deps
  const log = deps.log.child({ service: 'recorder' })
  const metrics = recorderMetrics(registry)
  const { topics } = config.kafka
  const maxBytes = config.kafka.max_event_bytes
  const routes = new Map<string, Route>([
    [
      topics.predictions,
      {
        table: PREDICTIONS as TableDef<object>,
        parser: createEventParser('prediction', { maxBytes }),
        toRow: toPredictionRow,
      },
    ],
    [
      topics.labels,
      {
        table: LABELS as TableDef<object>,
        parser: createEventParser('label', { maxBytes }),
        toRow: toLabelRow,
      },
    ],
  ])
  /** Per `topic:partition`: offsets at or below are durable in ClickHouse. Dropped on rebalance. */
  const storedThrough = new Map<string, bigint>()

  async function highWaterMark(table: TableDef<object>, topic: string, partition: number): Promise<bigint> {
    const key = `${topic}:${partition}`
    const known = storedThrough.get(key)
    if (known !== undefined) return known
    const [row] = await runQuery(ch, storedHighWaterMarkQuery, { table: table.name, topic, partition })
    const high = row?.high ?? -1n
    storedThrough.set(key, high)
    if (high >= 0n)
      log.info({ topic, partition, storedThrough: high.toString() }, 'resuming after stored offset')
    return high
  }

  async function sendToDlq(topic: string, partition: number, rejected: Rejected[]): Promise<void> {
    if (rejected.length === 0) return
    const source = { topic, partition, service: 'recorder', step: 'validate' }
    await producer.send(
      topics.dlq,
      rejected.map((r) => toDlqMessage(r.message, source, r.reason)),
    )
    for (const r of rejected) metrics.dlq.inc({ topic, code: r.code })
  }

  async function insertChunk(table: TableDef<object>, chunk: Chunk<object>): Promise<void> {
    const end = metrics.insertSeconds.startTimer({ table: table.name })
    await insertRows(ch, table, chunk.rows, { dedupToken: chunk.dedupToken })
    end()
    metrics.rows.inc({ table: table.name }, chunk.rows.length)
  }

  /**
   * Validates and stores one partition batch in chunks, overlapping the validation of chunk k+1
   * with the insert of chunk k (the embedded engine inserts off the main thread).
   * TRICKY: two orderings make a restart safe. Inserts of a partition run strictly one after
   * another, so the stored high-water mark never passes an offset that is not stored; and a
   * chunk's invalid events are acknowledged by the DLQ before its rows are inserted, so an
   * offset at or below the mark has had both its row and its DLQ record made durable.
   */
  async function handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const route = routes.get(batch.topic)
    if (!route) throw new Error(`recorder received topic ${batch.topic} it does not subscribe to`)
    const { topic, partition } = batch
    const skipThrough = await highWaterMark(route.table, topic, partition)
    const chunkRows = config.recorder.batch_max_rows
    let inFlight: Promise<unknown> = Promise.resolve()
    let failure: unknown
    for (let i = 0; i < batch.messages.length; i += chunkRows) {
      const routed = routeBatch(batch.messages.slice(i, i + chunkRows), {
        topic,
        partition,
        storedThrough: skipThrough,
        parser: route.parser,
        toRow: route.toRow as (e: unknown, from: Provenance) => object,
      })
      metrics.skipped.inc(routed.skipped)
      await sendToDlq(topic, partition, routed.rejected)
      await inFlight
      if (failure !== undefined) throw failure
      if (!ctx.isActive()) throw new Error('consumer stopping or rebalanced; batch abandoned uncommitted')
      await ctx.heartbeat()
      const chunk = toChunk(routed.rows, topic, partition)
      // Caught here and rethrown above, so a failed insert is never an unhandled rejection.
      inFlight = chunk
        ? insertChunk(route.table, chunk).catch((err: unknown) => (failure = err))
        : Promise.resolve()
      // Let the insert reach the engine before the next chunk's synchronous validation takes the
      // main thread; otherwise the two would run one after the other instead of side by side.
      await setImmediate()
    }
    await inFlight
    if (failure !== undefined) throw failure
    const last = batch.messages.at(-1)
    if (last) markStored(topic, partition, BigInt(last.offset))
  }

  function markStored(topic: string, partition: number, offset: bigint): void {
    storedThrough.set(`${topic}:${partition}`, offset)
  }

  const consumer = createBatchConsumer({
    kafka,
    name: 'recorder',
    groupId: config.recorder.group_id,
    topics: [topics.predictions, topics.labels],
    log,
    registry,
    handleBatch,
    onRebalance: () => storedThrough.clear(),
    // Large fetches make large inserts: the broker waits up to batchMaxWaitMs for 1 MiB.
    minBytes: 1024 * 1024,
    maxWaitTimeInMs: config.recorder.batch_max_wait_ms,
    partitionsConsumedConcurrently: 3,
  })

  return consumerService('recorder', consumer)
}
