import { baselineFor, loadReferences, type References, referenceKey } from '@vigil/baselines'
import { featureThresholds, modelConfig, type VigilConfig } from '@vigil/config'
import { createEventParser, type PredictionEvent } from '@vigil/events'
import { createStageConsumer, type Stage } from '@vigil/kafka'
import { Counter, Gauge, type Registry } from '@vigil/observability'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import type { DriftThresholds } from '@vigil/stats'
import { PartitionWindows } from '@vigil/windows'
import { createDriftAggregator } from './steps/aggregate.js'
import {
  type DriftEnv,
  type DriftPartition,
  type DriftPlan,
  type Evaluations,
  planDriftBatch,
  planTick,
} from './steps/plan.js'
import type { Reference } from './steps/reference.js'
import { loadPartition, rangeReference, readEvaluations } from './store.js'

export type DriftDeps = ServiceDeps

type DriftConfig = Pick<VigilConfig, 'kafka' | 'drift' | 'models'>

function driftMetrics(registry: Registry) {
  return {
    closed: new Counter({
      name: 'vigil_drift_windows_closed_total',
      help: 'Model windows closed and published, by what closed them',
      labelNames: ['closed_by'],
      registers: [registry],
    }),
    late: new Counter({
      name: 'vigil_drift_late_events_total',
      help: 'Events that arrived after their window had closed (counted, not applied)',
      registers: [registry],
    }),
    open: new Gauge({
      name: 'vigil_drift_open_windows',
      help: 'Open model windows in memory',
      registers: [registry],
    }),
  }
}

/**
 * The drift service: prediction events → per model, version and event-time window, drift of
 * every feature and of the prediction against the model version's reference, and data quality;
 * written to drift_windows and quality_windows and published on vigil.metrics.
 *
 * A pure stage (DESIGN §4) whose window state grows by what each batch adds: a batch is planned
 * on forks of its models' windows; what it added to each window and feature is written as a
 * partial state (drift_partials), then the touched models' clocks and the offset (drift_state);
 * only then is the state swapped and the offset committed. A window it closed is evaluated by a
 * later plan (the next batch or tick), from its partials merged in one query. A restarted or
 * rebalanced consumer restores the clocks, skips offsets below them and does not add twice what
 * its partials already hold, so it publishes what an uninterrupted one would.
 */
export function createDrift(config: DriftConfig, deps: DriftDeps): Service {
  const { ch, registry } = deps
  const log = deps.log.child({ service: 'drift' })
  const metrics = driftMetrics(registry)
  const group = config.drift.group_id
  const parser = createEventParser('prediction', { maxBytes: config.kafka.max_event_bytes })
  let references: References = { baselines: new Map(), firsts: new Map() }
  const announcedFirst = new Set<string>()
  /** Open windows per partition, for the gauge. */
  const openByPartition = new Map<string, number>()
  // Resolved once per model: the aggregator asks for every event.
  const modelSettings = new Map<string, ReturnType<typeof modelConfig>>()
  const settingsOf = (modelId: string) => {
    let m = modelSettings.get(modelId)
    if (!m) {
      m = modelConfig(config, modelId)
      modelSettings.set(modelId, m)
    }
    return m
  }

  /** References of kind `range`, by model id, read from the predictions table once. */
  const ranges = new Map<string, Reference | null>()

  /** A reference known before windows open: an uploaded baseline, or a time range of traffic. */
  const baselineOf = (modelId: string, modelVersion: string) => {
    const { kind, version } = settingsOf(modelId).reference
    // A pinned `version` compares every model version with that version's baseline.
    if (kind === 'baseline') return baselineFor(references, modelId, version ?? modelVersion)
    if (kind === 'range') return ranges.get(modelId) ?? undefined
    return undefined
  }

  async function loadRangeReferences(modelIds: Iterable<string>): Promise<void> {
    for (const modelId of modelIds) {
      const r = settingsOf(modelId).reference
      if (r.kind !== 'range' || ranges.has(modelId)) continue
      const ref = await rangeReference(ch, modelId, r.from!, r.to!, config.drift.sample_size)
      ranges.set(modelId, ref ?? null)
      if (ref)
        log.info({ model: modelId, reference: ref.name }, 'reference read from the model’s own traffic')
      else
        log.warn(
          { model: modelId },
          'no traffic in the reference range: the first complete window becomes the reference',
        )
    }
  }
  const aggregator = createDriftAggregator({
    sampleSize: config.drift.sample_size,
    baselineOf,
    declaredTypes: (modelId) => settingsOf(modelId).features,
  })

  const specOf = (modelId: string) => {
    const m = settingsOf(modelId)
    return { sizeMs: m.window, allowedLatenessMs: m.allowed_lateness, idleTimeoutMs: m.idle_timeout }
  }

  let seqCounter = 0
  const env: DriftEnv = {
    group,
    metricsTopic: config.kafka.topics.metrics,
    settings: settingsOf,
    thresholds(modelId) {
      const m = settingsOf(modelId)
      return (feature: string): DriftThresholds => {
        const t = featureThresholds(m, feature)
        return {
          smallSample: t.small_sample,
          pValue: t.p_value,
          wassersteinNorm: t.wasserstein_norm,
          jensenShannon: t.jensen_shannon,
        }
      }
    },
    baselineOf,
    firstOf: (modelId, version) => references.firsts.get(referenceKey(modelId, version)),
    newWindows: (modelId) => new PartitionWindows(specOf(modelId), aggregator),
    // Rises with every plan in this process and across restarts (wall-clock based).
    nextSeq: (now) => BigInt(now) * 1000n + BigInt(seqCounter++ % 1000),
    sampleSize: config.drift.sample_size,
  }

  /** After the plan's writes: the references that became known, logs and metrics. */
  function afterwards(plan: DriftPlan, partition: string): () => void {
    return () => {
      for (const [key, ref] of plan.firsts) references.firsts.set(key, ref)
      for (const u of plan.unreferenced) {
        if (announcedFirst.has(`${u.modelId}|${u.version}`)) continue
        announcedFirst.add(`${u.modelId}|${u.version}`)
        log.info(
          { model: u.modelId, version: u.version, window: new Date(u.start).toISOString() },
          'no baseline for this model version: its first complete window becomes the reference',
        )
      }
      for (const { window } of plan.evaluated) {
        metrics.closed.inc({ closed_by: window.closedBy })
        metrics.late.inc(window.lateEvents)
      }
      openByPartition.set(
        partition,
        [...plan.next.models.values()].reduce((n, m) => n + m.windows.openWindows(), 0),
      )
      metrics.open.set([...openByPartition.values()].reduce((a, b) => a + b, 0))
    }
  }

  const stage: Stage<DriftPartition, PredictionEvent, Evaluations, Evaluations> = {
    name: 'drift',
    groupId: group,
    inputs: {
      // An invalid prediction goes to the DLQ once, from the recorder, which reads every raw event.
      [config.kafka.topics.predictions]: { decode: (b) => parser.parse(b), invalid: 'skip' },
    },
    async load(tp) {
      const state = await loadPartition(ch, group, tp, (modelId, snap) => ({
        windows: PartitionWindows.restore(specOf(modelId), aggregator, snap.windows),
        pending: snap.pending,
        previous: snap.previous,
      }))
      if (state.restored > 0)
        log.info(
          {
            ...tp,
            nextOffset: state.nextOffset.toString(),
            partialsThrough: state.partialsThrough.toString(),
          },
          'restored window clocks',
        )
      return state
    },
    resumeAt: (state) => state.nextOffset,
    // A time-range reference must be known before its model's first window opens; windows closed
    // by earlier plans are evaluated from their merged partials.
    read: async (state, inputs, { tp }) => {
      await loadRangeReferences(new Set(inputs.map((i) => i.event.model_id)))
      return readEvaluations(ch, tp, state, env, inputs, Date.now())
    },
    plan(state, inputs, { tp, now, lastOffset, read }) {
      const plan = planDriftBatch(state, inputs, { now, lastOffset: lastOffset ?? -1n }, tp, env, read)
      return { ...plan, after: afterwards(plan, `${tp.topic}:${tp.partition}`) }
    },
    tick: {
      everyMs: 1000,
      read: (state, tp) => readEvaluations(ch, tp, state, env, undefined, Date.now()),
      plan(state, { tp, now, read }) {
        const plan = planTick(state, now, tp, env, read)
        return plan && { ...plan, after: afterwards(plan, `${tp.topic}:${tp.partition}`) }
      },
    },
  }

  const consumer = createStageConsumer(
    stage,
    { ...deps, log, dlqTopic: config.kafka.topics.dlq },
    {
      // A fetch returns when one partition's share is full (8 MiB, kafkajs's per-partition cap
      // here) or after the wait: catching up, batches are whole fetches; on a slow stream, the
      // wait's worth of events (see drift.batch_max_wait_ms).
      minBytes: 8 * 1024 * 1024,
      maxWaitTimeInMs: config.drift.batch_max_wait_ms,
      // One partition plans in JavaScript while another's writes are in ClickHouse: on one
      // partition at a time the process alternated between the two (bench:fleet).
      partitionsConsumedConcurrently: 3,
    },
  )
  const service = consumerService('drift', consumer)
  return {
    ...service,
    async start() {
      references = await loadReferences(ch)
      log.info(
        { baselines: [...references.baselines.keys()], firstWindows: [...references.firsts.keys()] },
        'references loaded',
      )
      await service.start()
    },
  }
}
