import type { VigilConfig } from '@vigil/config'
import { createEventParser } from '@vigil/events'
import { createBatchConsumer, type PartitionBatch, toDlqMessage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import type { Service, ServiceDeps } from '@vigil/runtime'
import type { KafkaMessage } from 'kafkajs'
import { type IncomingLabel, planJoin, predictionKey, type StoredPrediction } from './steps/join.js'
import { RecentPredictions } from './steps/recent.js'
import {
  loadWaiting,
  lookupJoined,
  lookupPredictions,
  type PendingStatus,
  saveOutcomes,
  savePending,
} from './store.js'

export type JoinerDeps = ServiceDeps

type JoinerConfig = Pick<VigilConfig, 'kafka' | 'joiner'>

/**
 * The joiner: consumes `vigil.labels`, finds each label's prediction among the recent ones it read
 * from `vigil.predictions` (bounded, `joiner.index_size`), else in ClickHouse `predictions`
 * (batched lookups per model, ids as a query parameter), stores the outcome and publishes it to
 * `vigil.outcomes`, then commits. A label whose prediction has not arrived waits in
 * `pending_labels` and is looked up again every `retry_interval` until the horizon, then goes to
 * the DLQ with the reason. The first label of a prediction counts; later ones are counted as
 * duplicates. A batch processed again after a crash publishes the same outcomes again (same key
 * and content); `outcomes` holds each once.
 */
export function createJoiner(config: JoinerConfig, deps: JoinerDeps): Service {
  const { kafka, producer, ch, registry } = deps
  const log = deps.log.child({ service: 'joiner' })
  const parser = createEventParser('label')
  const predictionParser = createEventParser('prediction')
  const recent = new RecentPredictions(config.joiner.index_size)
  const { horizon: horizonMs, retry_interval: retryIntervalMs } = config.joiner
  const metrics = {
    labels: new Counter({
      name: 'vigil_joiner_labels_total',
      help: 'Labels by what became of them: joined, waiting, expired (DLQ), duplicate, invalid (skipped; the recorder sends them to the DLQ)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    lookups: new Counter({
      name: 'vigil_joiner_prediction_lookups_total',
      help: 'Predictions looked up for labels, by where they were found or sought: memory or clickhouse',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
  }
  // The batch handler and the retry of waiting labels take turns, so one label is never joined
  // by both at once.
  let turn: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.then(work, work)
    turn = next.catch(() => undefined)
    return next
  }

  /** Joins what can be joined; `retried` labels are already in `pending_labels` as waiting. */
  /** The labels' predictions: the recent ones from memory, the others from ClickHouse. */
  async function findPredictions(labels: readonly IncomingLabel[]): Promise<Map<string, StoredPrediction>> {
    const found = new Map<string, StoredPrediction>()
    const missing: IncomingLabel[] = []
    for (const l of labels) {
      const key = predictionKey(l.event.model_id, l.event.prediction_id)
      const p = recent.get(key)
      if (p) found.set(key, p)
      else missing.push(l)
    }
    metrics.lookups.inc({ source: 'memory' }, labels.length - missing.length)
    if (missing.length > 0) {
      metrics.lookups.inc({ source: 'clickhouse' }, missing.length)
      for (const [k, p] of await lookupPredictions(ch, missing)) found.set(k, p)
    }
    return found
  }

  async function join(labels: readonly IncomingLabel[], retried: boolean): Promise<void> {
    if (labels.length === 0) return
    const predictions = await findPredictions(labels)
    const joined = await lookupJoined(ch, [...predictions.values()])
    const plan = planJoin(labels, predictions, joined, Date.now(), horizonMs)
    await saveOutcomes(ch, plan.outcomes)
    const pending: { label: IncomingLabel; status: PendingStatus }[] = [
      ...(retried ? [] : plan.waiting).map((label) => ({ label, status: 'waiting' as const })),
      ...plan.expired.map(({ label }) => ({ label, status: 'expired' as const })),
      ...(retried
        ? [
            ...plan.outcomes.map(({ label }) => ({ label, status: 'joined' as const })),
            ...plan.duplicates.map((label) => ({ label, status: 'duplicate' as const })),
          ]
        : []),
    ]
    if (plan.expired.length > 0)
      await producer.send(
        config.kafka.topics.dlq,
        plan.expired.map(({ label, reason }) =>
          toDlqMessage(asMessage(label), dlqSource(label.partition, 'join'), reason),
        ),
      )
    await producer.send(
      config.kafka.topics.outcomes,
      plan.outcomes.map(({ outcome }) => ({ key: outcome.model_id, value: JSON.stringify(outcome) })),
    )
    // The waiting rows last: a label is either still in the batch (not committed) or durable here.
    await savePending(ch, pending)
    metrics.labels.inc({ outcome: 'joined' }, plan.outcomes.length)
    if (!retried) metrics.labels.inc({ outcome: 'waiting' }, plan.waiting.length)
    metrics.labels.inc({ outcome: 'expired' }, plan.expired.length)
    metrics.labels.inc({ outcome: 'duplicate' }, plan.duplicates.length)
    if (plan.duplicates.length > 0)
      log.info({ duplicates: plan.duplicates.length }, 'labels for already-joined predictions ignored')
    for (const { reason } of plan.expired) log.warn({ reason }, 'label sent to the DLQ')
  }

  const dlqSource = (partition: number, step: string) => ({
    topic: config.kafka.topics.labels,
    partition,
    service: 'joiner',
    step,
  })

  async function handleBatch(batch: PartitionBatch): Promise<void> {
    if (batch.topic === config.kafka.topics.predictions) {
      // Only remembered: nothing durable comes of a prediction here (the recorder stores it).
      for (const message of batch.messages) {
        const r = predictionParser.parse(message.value ?? Buffer.alloc(0))
        if (r.ok) recent.add(r.value)
      }
      return
    }
    const labels: IncomingLabel[] = []
    let invalid = 0
    for (const message of batch.messages) {
      const raw = message.value ?? Buffer.alloc(0)
      const r = parser.parse(raw)
      // An invalid label goes to the DLQ once, from the recorder, which reads every raw event.
      if (!r.ok) invalid++
      else
        labels.push({
          event: r.value,
          partition: batch.partition,
          offset: message.offset,
          arrivedAt: Number(message.timestamp),
          raw: raw.toString('utf8'),
        })
    }
    metrics.labels.inc({ outcome: 'invalid' }, invalid)
    await exclusive(() => join(labels, false))
  }

  async function retryWaiting(): Promise<void> {
    await exclusive(async () => {
      const waiting = await loadWaiting(ch, (raw) => {
        const r = parser.parse(raw)
        return r.ok ? r.value : undefined
      })
      await join(waiting, true)
    })
  }

  const consumer = createBatchConsumer({
    kafka,
    name: 'joiner',
    groupId: config.joiner.group_id,
    topics: [config.kafka.topics.labels, config.kafka.topics.predictions],
    log,
    registry,
    handleBatch,
  })
  let timer: NodeJS.Timeout | undefined
  let retrying: Promise<void> | undefined

  return {
    name: 'joiner',
    async start() {
      timer = setInterval(() => {
        retrying ??= retryWaiting()
          .catch((err: unknown) => log.warn({ err }, 'retrying waiting labels failed; trying again later'))
          .finally(() => {
            retrying = undefined
          })
      }, retryIntervalMs)
      await consumer.start()
    },
    async stop() {
      clearInterval(timer)
      await consumer.stop()
      await retrying
    },
    health() {
      const h = consumer.health()
      return { live: h.live, ready: h.running && h.sinkHealthy, detail: { ...h } }
    },
  }
}

/** A waiting label's original message, rebuilt for the DLQ (key, value, offset, timestamp). */
function asMessage(l: IncomingLabel): KafkaMessage {
  return {
    key: Buffer.from(l.event.model_id),
    value: Buffer.from(l.raw),
    offset: l.offset,
    timestamp: String(l.arrivedAt),
    headers: {},
    attributes: 0,
  }
}
