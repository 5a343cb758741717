import { baselineFor, loadReferences, type References, referenceKey, saveReference } from '@vigil/baselines'
import { DRIFT_WINDOWS, insertRows, QUALITY_WINDOWS } from '@vigil/clickhouse'
import { featureThresholds, modelConfig, type VigilConfig } from '@vigil/config'
import { createEventParser, type PredictionEvent } from '@vigil/events'
import { type BatchContext, createBatchConsumer, type PartitionBatch } from '@vigil/kafka'
import { Counter, Gauge, type Registry } from '@vigil/observability'
import type { Service, ServiceDeps } from '@vigil/runtime'
import type { DriftThresholds } from '@vigil/stats'
import { type ClosedWindow, PartitionWindows, type WindowsSnapshot } from '@vigil/windows'
import { createDriftAggregator, type WindowState } from './steps/aggregate.js'
import { evaluateWindow, referenceFromWindow } from './steps/evaluate.js'
import { type Reference, windowKey } from './steps/reference.js'
import { hash, loadCheckpoint, rangeReference, saveCheckpoint } from './store.js'

export type DriftDeps = ServiceDeps

/** A partition's in-memory state was forgotten after a failed write; start again from its checkpoint. */
class StaleStateError extends Error {
  constructor(partition: string) {
    super(`partition ${partition}: state reloaded from its checkpoint after a failed write; retrying`)
    this.name = 'StaleStateError'
  }
}

type DriftConfig = Pick<VigilConfig, 'kafka' | 'drift' | 'models'>

interface PartitionState {
  topic: string
  partition: number
  nextOffset: bigint
  /** Windows per model: each model has its own window size, lateness and watermark. */
  models: Map<string, PartitionWindows<PredictionEvent, WindowState>>
  /** For models compared with their previous window: the last closed window's profile, by window key. */
  previous: Map<string, Reference>
  /** Batches and idle closes of a partition run one after another. */
  lock: Promise<unknown>
}

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
    invalid: new Counter({
      name: 'vigil_drift_invalid_events_total',
      help: 'Invalid prediction events skipped (the recorder sends them to the DLQ)',
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
 * Restart rule (DESIGN §4): after each batch, the windows it closed are made durable (rows,
 * metrics messages, references), then the partition's open windows are checkpointed with the
 * next offset, then the offset is committed. A restarted or rebalanced consumer restores the
 * checkpoint and skips offsets below it, so it publishes what an uninterrupted one would.
 */
export function createDrift(config: DriftConfig, deps: DriftDeps): Service {
  const { kafka, producer, ch, registry } = deps
  const log = deps.log.child({ service: 'drift' })
  const metrics = driftMetrics(registry)
  const group = config.drift.group_id
  const parser = createEventParser('prediction', { maxBytes: config.kafka.max_event_bytes })
  let references: References = { baselines: new Map(), firsts: new Map() }
  const partitions = new Map<string, PartitionState>()
  const announcedFirst = new Set<string>()
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

  /** A known reference, else the previous window (kind `previous`) or the first complete window. */
  function referenceFor(
    ps: PartitionState,
    modelId: string,
    window: ClosedWindow<WindowState>,
  ): Reference | undefined {
    const version = window.key.split('\u0001')[1] ?? ''
    if (settingsOf(modelId).reference.kind === 'previous') return ps.previous.get(window.key)
    return baselineOf(modelId, version) ?? references.firsts.get(referenceKey(modelId, version))
  }

  function thresholdsFor(modelId: string) {
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
  }

  function windowsFor(ps: PartitionState, modelId: string, snapshot?: WindowsSnapshot) {
    let w = ps.models.get(modelId)
    if (!w) {
      const m = settingsOf(modelId)
      const spec = {
        sizeMs: m.window,
        allowedLatenessMs: m.allowed_lateness,
        idleTimeoutMs: m.idle_timeout,
      }
      w = snapshot
        ? PartitionWindows.restore(spec, aggregator, snapshot)
        : new PartitionWindows(spec, aggregator)
      ps.models.set(modelId, w)
    }
    return w
  }

  async function partitionState(topic: string, partition: number): Promise<PartitionState> {
    const id = `${topic}:${partition}`
    let ps = partitions.get(id)
    if (ps) return ps
    const cp = await loadCheckpoint(ch, group, topic, partition)
    const saved = (cp?.state ?? {}) as {
      models?: Record<string, WindowsSnapshot>
      previous?: Record<string, Reference>
    }
    ps = {
      topic,
      partition,
      nextOffset: cp?.nextOffset ?? 0n,
      models: new Map(),
      previous: new Map(Object.entries(saved.previous ?? {})),
      lock: Promise.resolve(),
    }
    for (const [modelId, snap] of Object.entries(saved.models ?? {})) windowsFor(ps, modelId, snap)
    if (cp)
      log.info(
        { topic, partition, nextOffset: cp.nextOffset.toString() },
        'restored open windows from checkpoint',
      )
    partitions.set(id, ps)
    return ps
  }

  /**
   * Runs `work` after everything queued for this partition, and returns its result.
   * TRICKY: `work` changes the partition's windows in memory before its writes are durable. If it
   * fails (a write refused, the batch abandoned), that state is not what ClickHouse holds, so it
   * is forgotten: the next batch or retry restores the partition from its durable checkpoint
   * and applies the batch again, instead of counting its events twice and losing the windows the
   * failed attempt closed.
   */
  function serialized<T>(ps: PartitionState, work: () => Promise<T>): Promise<T | undefined> {
    const id = `${ps.topic}:${ps.partition}`
    const forgetOnFailure = async () => {
      // Work queued behind a failure found its state forgotten: the caller starts again from the
      // checkpoint (a batch is retried by the consumer; an idle close waits for the next tick).
      if (partitions.get(id) !== ps) throw new StaleStateError(id)
      try {
        return await work()
      } catch (err) {
        if (partitions.get(id) === ps) partitions.delete(id)
        throw err
      }
    }
    const run = ps.lock.then(forgetOnFailure, forgetOnFailure)
    ps.lock = run.catch(() => undefined)
    return run
  }

  async function publish(
    ps: PartitionState,
    closed: { modelId: string; window: ClosedWindow<WindowState> }[],
  ) {
    if (closed.length === 0) return
    const driftRows = []
    const qualityRows = []
    const messages = []
    for (const { modelId, window } of closed) {
      const version = window.key.split('\u0001')[1] ?? ''
      const kind = settingsOf(modelId).reference.kind
      const reference = referenceFor(ps, modelId, window)
      if (!reference && kind !== 'previous' && !announcedFirst.has(`${modelId}|${version}`)) {
        announcedFirst.add(`${modelId}|${version}`)
        log.info(
          { model: modelId, version, window: new Date(window.start).toISOString() },
          'no baseline for this model version: its first complete window becomes the reference',
        )
      }
      const result = evaluateWindow(window, reference, thresholdsFor(modelId))
      if (kind === 'previous') {
        // The next window of this model version is compared with this one; kept in the checkpoint.
        const self = referenceFromWindow(window.state, new Date(window.start).toISOString())
        ps.previous.set(window.key, {
          ...self,
          name: `previous-window:${new Date(window.start).toISOString()}`,
        })
      } else if (result.becomesReference) {
        await saveReference(ch, modelId, version, result.becomesReference, result.becomesReference.name)
        references.firsts.set(referenceKey(modelId, version), result.becomesReference)
      }
      driftRows.push(...result.driftRows)
      qualityRows.push(...result.qualityRows)
      messages.push({ key: modelId, value: JSON.stringify(result.message) })
      metrics.closed.inc({ closed_by: window.closedBy })
      metrics.late.inc(window.lateEvents)
    }
    // The same windows always give the same rows and the same token.
    const token = hash(closed.map(({ window }) => `${window.key}@${window.start}`).join(','))
    await insertRows(ch, DRIFT_WINDOWS, driftRows, { dedupToken: `drift-${token}` })
    await insertRows(ch, QUALITY_WINDOWS, qualityRows, { dedupToken: `quality-${token}` })
    await producer.send(config.kafka.topics.metrics, messages)
  }

  async function checkpoint(ps: PartitionState) {
    const models = Object.fromEntries([...ps.models.entries()].map(([m, w]) => [m, w.snapshot()]))
    const previous = Object.fromEntries(ps.previous)
    await saveCheckpoint(ch, group, ps.topic, ps.partition, {
      nextOffset: ps.nextOffset,
      state: { models, previous },
    })
    metrics.open.set(
      [...partitions.values()].reduce(
        (n, p) => n + [...p.models.values()].reduce((k, w) => k + w.openWindows(), 0),
        0,
      ),
    )
  }

  async function handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const ps = await partitionState(batch.topic, batch.partition)
    await serialized(ps, async () => {
      const closed: { modelId: string; window: ClosedWindow<WindowState> }[] = []
      const now = Date.now()
      const events: PredictionEvent[] = []
      for (const m of batch.messages) {
        if (BigInt(m.offset) < ps.nextOffset) continue
        const parsed = parser.parse(m.value ?? Buffer.alloc(0))
        if (parsed.ok) events.push(parsed.value)
        else metrics.invalid.inc()
      }
      // A time-range reference must be known before its model's first window opens.
      await loadRangeReferences(new Set(events.map((e) => e.model_id)))
      for (const e of events) {
        const w = windowsFor(ps, e.model_id)
        for (const window of w.add(windowKey(e.model_id, e.model_version), Date.parse(e.timestamp), e, now)) {
          closed.push({ modelId: e.model_id, window })
        }
      }
      if (!ctx.isActive()) throw new Error('consumer stopping or rebalanced; batch abandoned uncommitted')
      await publish(ps, closed)
      ps.nextOffset = BigInt(batch.messages.at(-1)!.offset) + 1n
      await checkpoint(ps)
    })
  }

  async function closeIdleWindows(): Promise<void> {
    for (const ps of [...partitions.values()]) {
      await serialized(ps, async () => {
        const closed: { modelId: string; window: ClosedWindow<WindowState> }[] = []
        for (const [modelId, w] of ps.models)
          for (const window of w.closeIdle()) closed.push({ modelId, window })
        if (closed.length === 0) return
        await publish(ps, closed)
        await checkpoint(ps)
      }).catch((err: unknown) => {
        // Forgotten after a failed batch: the next batch restores it, the next tick closes it.
        if (!(err instanceof StaleStateError)) throw err
      })
    }
  }

  const consumer = createBatchConsumer({
    kafka,
    name: 'drift',
    groupId: group,
    topics: [config.kafka.topics.predictions],
    log,
    registry,
    handleBatch,
    // A new assignment may bring partitions another consumer advanced: start from checkpoints.
    onRebalance: () => partitions.clear(),
    minBytes: 1024 * 1024,
    maxWaitTimeInMs: config.drift.batch_max_wait_ms,
  })

  let idleTimer: NodeJS.Timeout | undefined
  let idleFailures = 0
  return {
    name: 'drift',
    async start() {
      references = await loadReferences(ch)
      log.info(
        { baselines: [...references.baselines.keys()], firstWindows: [...references.firsts.keys()] },
        'references loaded',
      )
      await consumer.start()
      idleTimer = setInterval(() => {
        closeIdleWindows().then(
          () => {
            idleFailures = 0
          },
          (err: unknown) => {
            idleFailures++
            log.warn({ err }, 'closing idle windows failed; retrying on the next tick')
          },
        )
      }, 1000)
    },
    async stop() {
      clearInterval(idleTimer)
      await consumer.stop()
      await Promise.all([...partitions.values()].map((ps) => ps.lock))
    },
    health() {
      const h = consumer.health()
      return {
        live: h.live,
        ready: h.running && h.sinkHealthy && idleFailures < 5,
        detail: { ...h, idleFailures },
      }
    },
  }
}
