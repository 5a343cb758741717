import {
  halvesOfPairsQuery,
  orphanedHalvesQuery,
  runQuery,
  type StoredHalf,
  toClickHouseTime,
} from '@vigil/clickhouse'
import { modelConfig, type VigilConfig } from '@vigil/config'
import { type SeldonSource, type ServingEvent, seldonHalf, seldonTopics, toKafka } from '@vigil/ingest'
import { createStageConsumer, ensureTopics, type Stage, type TopicInput } from '@vigil/kafka'
import { Counter, Histogram } from '@vigil/observability'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { decodeHalf, type PairCounts, planOrphans, planPairs } from './steps/pair.js'

export type IngestDeps = ServiceDeps

type IngestConfig = Pick<VigilConfig, 'kafka' | 'ingest' | 'models'>

/** Waiting halves an orphan check handles at most per partition and tick. */
const ORPHANS_PER_TICK = 1000

/** The models whose Seldon Core 2 topics are read (`ingest.seldon` in their mapping). */
export function seldonSources(config: Pick<VigilConfig, 'models'>): SeldonSource[] {
  return Object.keys(config.models)
    .filter((id) => id !== '*')
    .flatMap((id) => {
      const s = modelConfig(config, id).ingest?.seldon
      return s ? [{ modelId: id, prefix: s.prefix, namespace: s.namespace, model: s.model ?? id }] : []
    })
}

/** A decoder per Seldon Core 2 topic: its messages become halves like CloudEvents'. */
function seldonInputs(sources: readonly SeldonSource[]): Record<string, TopicInput<ServingEvent>> {
  const inputs: Record<string, TopicInput<ServingEvent>> = {}
  for (const source of sources)
    for (const [half, topic] of [
      ['request', seldonTopics(source).inputs],
      ['response', seldonTopics(source).outputs],
    ] as const)
      inputs[topic] = {
        decode: (bytes, headers, record) => seldonHalf(bytes, headers, record, { half, source, topic }),
        invalid: 'dlq',
      }
  return inputs
}

/**
 * The ingest service: consumes `vigil.cloudevents` (serving stacks' request and response
 * CloudEvents, as the API received them or a KafkaSink wrote them), pairs each request with its
 * response — in the batch, or with the half waiting in `ingest_halves` — and publishes the pair's
 * prediction events to `vigil.predictions` by the model's ingest mapping; then commits. A half
 * whose partner has not come after `ingest.orphan_ttl` goes to the DLQ, counted per model and reason.
 * Seldon Core 2's model topics are read too: their halves are forwarded to `vigil.cloudevents`,
 * keyed by what pairs them, so a request and its response meet in one partition there (Seldon's
 * two topics need not be co-partitioned, nor read by the same instance).
 */
export function createIngest(config: IngestConfig, deps: IngestDeps): Service {
  const { ch, registry } = deps
  const log = deps.log.child({ service: 'ingest' })
  const { topics } = config.kafka
  const settings = (modelId: string) => modelConfig(config, modelId)
  const metrics = {
    halves: new Counter({
      name: 'vigil_ingest_halves_total',
      help: 'CloudEvents halves by what became of them: paired, waiting, duplicate, refused (DLQ)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    predictions: new Counter({
      name: 'vigil_ingest_predictions_total',
      help: 'Prediction events published from paired requests and responses',
      registers: [registry],
    }),
    labels: new Counter({
      name: 'vigil_ingest_labels_total',
      help: "Label events published from Seldon's feedback",
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'vigil_ingest_serving_latency_seconds',
      help: "Serving latency per inference: the response CloudEvent's time minus the request's",
      labelNames: ['model'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'vigil_ingest_serving_errors_total',
      help: 'Responses logged with a statuscode other than 200, by model and status',
      labelNames: ['model', 'status'] as const,
      registers: [registry],
    }),
    orphans: new Counter({
      name: 'vigil_ingest_orphans_total',
      help: 'Halves whose other half did not come within ingest.orphan_ttl (sent to the DLQ)',
      labelNames: ['model', 'reason'] as const,
      registers: [registry],
    }),
  }
  const counted = (c: PairCounts) => () => {
    metrics.halves.inc({ outcome: 'paired' }, 2 * c.paired)
    metrics.halves.inc({ outcome: 'waiting' }, c.waiting)
    metrics.halves.inc({ outcome: 'duplicate' }, c.duplicates)
    metrics.halves.inc({ outcome: 'refused' }, c.refused.length)
    metrics.predictions.inc(c.predictions)
    metrics.labels.inc(c.labels)
    for (const l of c.latencies) metrics.latency.observe({ model: l.model }, l.seconds)
    for (const e of c.errors) metrics.errors.inc({ model: e.model, status: e.status })
    for (const r of c.refused) log.warn({ model: r.model, reason: r.reason }, 'CloudEvent sent to the DLQ')
  }
  const options = (partition: number, now: number) => ({ now, partition, topics, settings })
  const seldon = seldonSources(config)
  const forwarded = new Counter({
    name: 'vigil_ingest_seldon_halves_total',
    help: 'Seldon Core 2 requests and responses read from its model topics and forwarded for pairing',
    labelNames: ['model'] as const,
    registers: [registry],
  })
  const pairing = (topic: string) => topic === topics.cloudevents

  const stage: Stage<undefined, ServingEvent, StoredHalf[], StoredHalf[]> = {
    name: 'ingest',
    groupId: config.ingest.group_id,
    inputs: {
      [topics.cloudevents]: {
        decode: (bytes, headers) => decodeHalf(bytes, headers, settings),
        invalid: 'dlq',
      },
      ...seldonInputs(seldon),
    },
    load: async () => undefined,
    async read(_state, inputs, { tp }) {
      if (inputs.length === 0 || !pairing(tp.topic)) return []
      return runQuery(ch, halvesOfPairsQuery, {
        partition: tp.partition,
        models: [...new Set(inputs.map((i) => i.event.modelId))],
        ids: [...new Set(inputs.map((i) => i.event.pairId))],
      })
    },
    plan(_state, inputs, { tp, now, read }) {
      if (!pairing(tp.topic))
        return {
          next: undefined,
          writes: [{ topic: topics.cloudevents, messages: inputs.map((i) => toKafka(i.event)) }],
          after: () => {
            for (const i of inputs) forwarded.inc({ model: i.event.modelId })
          },
        }
      const plan = planPairs(inputs, read, options(tp.partition, now))
      return { ...plan, after: counted(plan.counts) }
    },
    tick: {
      everyMs: config.ingest.orphan_check,
      read: async (_state, tp) =>
        !pairing(tp.topic)
          ? []
          : runQuery(ch, orphanedHalvesQuery, {
              partition: tp.partition,
              before: toClickHouseTime(Date.now() - config.ingest.orphan_ttl),
              limit: ORPHANS_PER_TICK,
            }),
      plan(_state, { tp, now, read }) {
        const plan = planOrphans(read, { ...options(tp.partition, now), ttlMs: config.ingest.orphan_ttl })
        if (!plan) return undefined
        return {
          ...plan,
          after: () => {
            for (const o of plan.orphaned) metrics.orphans.inc({ model: o.model, reason: o.reason })
            log.warn({ orphans: plan.orphaned.length }, 'halves without their other half sent to the DLQ')
          },
        }
      },
    },
  }

  const consumer = createStageConsumer(stage, { ...deps, log, dlqTopic: topics.dlq })
  const service = consumerService('ingest', consumer)
  return {
    ...service,
    async start() {
      // Seldon creates a model's topics when it loads the model; vigil may start first, and
      // subscribing to a missing topic fails, so the missing ones are created (Seldon uses them).
      const wanted = seldon.flatMap((s) => Object.values(seldonTopics(s)))
      if (wanted.length > 0) {
        const created = await ensureTopics(deps.kafka, wanted, config.kafka)
        if (created.length > 0) log.info({ topics: created }, 'created Seldon Core 2 topics not there yet')
      }
      await service.start()
    },
  }
}
