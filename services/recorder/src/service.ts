import { LABELS, PREDICTIONS, runQuery, storedHighWaterMarkQuery, type TableDef } from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { createEventParser } from '@vigil/events'
import { createStageConsumer, type Stage } from '@vigil/kafka'
import { Counter, type Registry } from '@vigil/observability'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { planRecord, type Recorded } from './steps/plan.js'
import { type Provenance, toLabelRow, toPredictionRow } from './steps/toRows.js'

export type RecorderDeps = ServiceDeps

type RecorderConfig = Pick<VigilConfig, 'kafka' | 'recorder'>

interface Route {
  table: TableDef<object>
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
  const { ch, registry } = deps
  const log = deps.log.child({ service: 'recorder' })
  const metrics = recorderMetrics(registry)
  const { topics } = config.kafka
  const maxBytes = config.kafka.max_event_bytes
  const parsers = {
    prediction: createEventParser('prediction', { maxBytes }),
    label: createEventParser('label', { maxBytes }),
  }
  const routes = new Map<string, Route>([
    [topics.predictions, { table: PREDICTIONS as TableDef<object>, toRow: toPredictionRow }],
    [topics.labels, { table: LABELS as TableDef<object>, toRow: toLabelRow }],
  ])
  const routeOf = (topic: string): Route => {
    const route = routes.get(topic)
    if (!route) throw new Error(`recorder received topic ${topic} it does not subscribe to`)
    return route
  }

  const stage: Stage<Recorded, unknown> = {
    name: 'recorder',
    groupId: config.recorder.group_id,
    inputs: {
      [topics.predictions]: { decode: (b) => parsers.prediction.parse(b), invalid: 'dlq' },
      [topics.labels]: { decode: (b) => parsers.label.parse(b), invalid: 'dlq' },
    },
    // TRICKY: the batch's DLQ records are written before its rows, and a partition's inserts run one
    // after another, so an offset at or below the stored high-water mark has had both its row and
    // its DLQ record made durable: resuming after the mark loses and repeats nothing.
    async load({ topic, partition }) {
      const [row] = await runQuery(ch, storedHighWaterMarkQuery, {
        table: routeOf(topic).table.name,
        topic,
        partition,
      })
      const storedThrough = row?.high ?? -1n
      if (storedThrough >= 0n)
        log.info(
          { topic, partition, storedThrough: storedThrough.toString() },
          'resuming after stored offset',
        )
      return { storedThrough }
    },
    resumeAt: (state) => state.storedThrough + 1n,
    plan(state, inputs, { tp, lastOffset }) {
      const route = routeOf(tp.topic)
      const plan = planRecord(state, inputs, {
        tp,
        lastOffset: lastOffset ?? state.storedThrough,
        table: route.table,
        toRow: route.toRow as (e: unknown, from: Provenance) => object,
        chunkRows: config.recorder.batch_max_rows,
      })
      return { ...plan, after: () => metrics.rows.inc({ table: route.table.name }, inputs.length) }
    },
  }

  const consumer = createStageConsumer(
    stage,
    { ...deps, log, dlqTopic: topics.dlq },
    {
      // Large fetches make large inserts: the broker waits up to batchMaxWaitMs for 1 MiB.
      minBytes: 1024 * 1024,
      maxWaitTimeInMs: config.recorder.batch_max_wait_ms,
      partitionsConsumedConcurrently: 3,
    },
  )
  return consumerService('recorder', consumer)
}
