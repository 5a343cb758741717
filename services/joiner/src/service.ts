import type { VigilConfig } from '@vigil/config'
import { createEventParser, type LabelEvent, type PredictionEvent } from '@vigil/events'
import { createStageConsumer, type Input, type Stage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { type IncomingLabel, type JoinPlan, predictionKey, type StoredPrediction } from './steps/join.js'
import { incoming, type LabelLookup, planLabels } from './steps/plan.js'
import { RecentPredictions } from './steps/recent.js'
import { loadWaiting, lookupJoined, lookupPredictions } from './store.js'

export type JoinerDeps = ServiceDeps

type JoinerConfig = Pick<VigilConfig, 'kafka' | 'joiner'>

/** What a tick retries: a labels partition's waiting labels and what was found for them. */
interface Retry {
  labels: IncomingLabel[]
  lookup: LabelLookup
}

/**
 * The joiner: consumes `vigil.labels`, finds each label's prediction among the recent ones it read
 * from `vigil.predictions` (bounded, `joiner.index_size`), else in ClickHouse `predictions`
 * (batched lookups per model, ids as a query parameter), stores the outcome and publishes it to
 * `vigil.outcomes`, then commits. A label whose prediction has not arrived waits in
 * `pending_labels` and is looked up again every `retry_interval` (by the owner of its partition)
 * until the horizon, then goes to the DLQ with the reason. The first label of a prediction
 * counts; later ones are counted as duplicates. A batch processed again after a crash publishes
 * the same outcomes again (same key and content); `outcomes` holds each once.
 */
export function createJoiner(config: JoinerConfig, deps: JoinerDeps): Service {
  const { ch, registry } = deps
  const log = deps.log.child({ service: 'joiner' })
  const parsers = { label: createEventParser('label'), prediction: createEventParser('prediction') }
  // A lookup cache, not state: a miss falls back to ClickHouse, so it may be filled before any write.
  const recent = new RecentPredictions(config.joiner.index_size)
  const { horizon: horizonMs, retry_interval: retryIntervalMs } = config.joiner
  const { topics } = config.kafka
  const metrics = {
    labels: new Counter({
      name: 'vigil_joiner_labels_total',
      help: 'Labels by what became of them: joined, waiting, expired (DLQ), duplicate',
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

  /** The labels' predictions: the recent ones from memory, the others from ClickHouse. */
  async function lookup(labels: readonly Pick<IncomingLabel, 'event'>[]): Promise<LabelLookup> {
    const predictions = new Map<string, StoredPrediction>()
    const missing: Pick<IncomingLabel, 'event'>[] = []
    for (const l of labels) {
      const key = predictionKey(l.event.model_id, l.event.prediction_id)
      const p = recent.get(key)
      if (p) predictions.set(key, p)
      else missing.push(l)
    }
    metrics.lookups.inc({ source: 'memory' }, labels.length - missing.length)
    if (missing.length > 0) {
      metrics.lookups.inc({ source: 'clickhouse' }, missing.length)
      for (const [k, p] of await lookupPredictions(ch, missing)) predictions.set(k, p)
    }
    return { predictions, joined: await lookupJoined(ch, [...predictions.values()]) }
  }

  function counted(join: JoinPlan, retried: boolean): () => void {
    return () => {
      metrics.labels.inc({ outcome: 'joined' }, join.outcomes.length)
      if (!retried) metrics.labels.inc({ outcome: 'waiting' }, join.waiting.length)
      metrics.labels.inc({ outcome: 'expired' }, join.expired.length)
      metrics.labels.inc({ outcome: 'duplicate' }, join.duplicates.length)
      if (join.duplicates.length > 0)
        log.info({ duplicates: join.duplicates.length }, 'labels for already-joined predictions ignored')
      for (const { reason } of join.expired) log.warn({ reason }, 'label sent to the DLQ')
    }
  }

  type JoinerInput = Input<LabelEvent | PredictionEvent>
  const isLabel = (i: JoinerInput): i is Input<LabelEvent> => i.topic === topics.labels
  const labelsOf = (inputs: readonly JoinerInput[]) => inputs.filter(isLabel).map(incoming)

  const stage: Stage<undefined, LabelEvent | PredictionEvent, LabelLookup | undefined, Retry | undefined> = {
    name: 'joiner',
    groupId: config.joiner.group_id,
    inputs: {
      // Invalid events go to the DLQ once, from the recorder, which reads every raw event.
      [topics.labels]: { decode: (b) => parsers.label.parse(b), invalid: 'skip' },
      [topics.predictions]: { decode: (b) => parsers.prediction.parse(b), invalid: 'skip' },
    },
    load: async () => undefined,
    async read(_state, inputs, { tp }) {
      if (tp.topic !== topics.labels) return undefined
      // The events are enough to look up; the plan builds the full labels (raw text included).
      return lookup(inputs.filter(isLabel))
    },
    plan(_state, inputs, { now, read }) {
      if (!read) {
        // Predictions are only remembered: nothing durable comes of them here (the recorder stores them).
        const predictions = inputs.flatMap((i) => (isLabel(i) ? [] : [i.event as PredictionEvent]))
        const remember = () => {
          for (const p of predictions) recent.add(p)
        }
        return { next: undefined, writes: [], after: remember }
      }
      const plan = planLabels(labelsOf(inputs), read, {
        now,
        horizonMs,
        retryIntervalMs,
        retried: false,
        topics,
      })
      return { ...plan, after: counted(plan.join, false) }
    },
    tick: {
      everyMs: retryIntervalMs,
      async read(_state, tp) {
        if (tp.topic !== topics.labels) return undefined
        const labels = await loadWaiting(ch, tp.partition, Date.now(), (raw) => {
          const r = parsers.label.parse(raw)
          return r.ok ? r.value : undefined
        })
        return labels.length > 0 ? { labels, lookup: await lookup(labels) } : undefined
      },
      plan(_state, { now, read }) {
        if (!read) return undefined
        const plan = planLabels(read.labels, read.lookup, {
          now,
          horizonMs,
          retryIntervalMs,
          retried: true,
          topics,
        })
        return { ...plan, after: counted(plan.join, true) }
      },
    },
  }

  // Partition p of predictions and of labels to the same member: a label finds its prediction in
  // this process's index, not in ClickHouse, also when the joiner runs as several instances.
  const consumer = createStageConsumer(stage, { ...deps, log, dlqTopic: topics.dlq }, { coPartitioned: true })
  return consumerService('joiner', consumer)
}
