import { referenceInsert, referenceKey } from '@vigil/baselines'
import { DRIFT_WINDOWS, QUALITY_WINDOWS } from '@vigil/clickhouse'
import type { ModelConfig } from '@vigil/config'
import type { PredictionEvent } from '@vigil/events'
import type { Input, OutMessage, Plan, TopicPartition, Write } from '@vigil/kafka'
import type { DriftThresholds } from '@vigil/stats'
import type { ClosedWindow, PartitionWindows, WindowsSnapshot } from '@vigil/windows'
import { checkpointWrite, hash } from '../store.js'
import type { WindowState } from './aggregate.js'
import { evaluateWindow, referenceFromWindow } from './evaluate.js'
import { type Reference, windowKey } from './reference.js'

export type ModelWindows = PartitionWindows<PredictionEvent, WindowState>

/** A partition's drift state: never changed in place; a plan makes the next one. */
export interface DriftPartition {
  /** Offsets below are in the checkpoint: a re-delivered event there is skipped. */
  nextOffset: bigint
  /** Windows per model: each model has its own window size, lateness and watermark. */
  models: ReadonlyMap<string, ModelWindows>
  /** For models compared with their previous window: the last closed window's profile, by window key. */
  previous: ReadonlyMap<string, Reference>
}

/** What a plan needs from the service: settings, references, window factories. */
export interface DriftEnv {
  group: string
  metricsTopic: string
  settings(modelId: string): ModelConfig
  thresholds(modelId: string): (feature: string) => DriftThresholds
  /** A known reference: an uploaded baseline or a range of traffic. */
  baselineOf(modelId: string, modelVersion: string): Reference | undefined
  /** The first complete window of a model version, once one became its reference. */
  firstOf(modelId: string, modelVersion: string): Reference | undefined
  /** Empty windows for a model's first event in this partition. */
  newWindows(modelId: string): ModelWindows
  /** A checkpoint sequence number, higher than any before. */
  nextSeq(now: number): bigint
}

export interface ClosedModelWindow {
  modelId: string
  window: ClosedWindow<WindowState>
}

export interface DriftPlan extends Plan<DriftPartition> {
  closed: ClosedModelWindow[]
  /** First complete windows that became their model version's reference (by referenceKey). */
  firsts: [string, Reference][]
  /** Windows closed without any reference to compare with (the first of a model version). */
  unreferenced: { modelId: string; version: string; start: number }[]
}

/** A working copy: models are cloned the first time the plan touches them, the rest shared. */
class Draft {
  readonly models: Map<string, ModelWindows>
  readonly previous: Map<string, Reference>
  private readonly cloned = new Set<string>()

  constructor(
    private readonly base: DriftPartition,
    private readonly env: DriftEnv,
  ) {
    this.models = new Map(base.models)
    this.previous = new Map(base.previous)
  }

  windows(modelId: string): ModelWindows {
    if (!this.cloned.has(modelId)) {
      this.cloned.add(modelId)
      const before = this.base.models.get(modelId)
      this.models.set(modelId, before ? before.clone() : this.env.newWindows(modelId))
    }
    return this.models.get(modelId)!
  }
}

/** The events of a batch not yet in the checkpoint, added to copies of their models' windows. */
export function planDriftBatch(
  state: DriftPartition,
  inputs: readonly Input<PredictionEvent>[],
  batch: { now: number; lastOffset: bigint },
  tp: TopicPartition,
  env: DriftEnv,
): DriftPlan {
  const { now } = batch
  const draft = new Draft(state, env)
  const closed: ClosedModelWindow[] = []
  for (const { offset, event: e } of inputs) {
    if (offset < state.nextOffset) continue
    const w = draft.windows(e.model_id)
    for (const window of w.add(windowKey(e.model_id, e.model_version), Date.parse(e.timestamp), e, now))
      closed.push({ modelId: e.model_id, window })
  }
  const nextOffset = batch.lastOffset >= state.nextOffset ? batch.lastOffset + 1n : state.nextOffset
  return publish(draft, closed, nextOffset, now, tp, env)
}

/** Windows of models whose partition has been quiet for their idle timeout; undefined if none. */
export function planIdleClose(
  state: DriftPartition,
  now: number,
  tp: TopicPartition,
  env: DriftEnv,
): DriftPlan | undefined {
  const due = [...state.models].filter(([, w]) => w.idleDue(now))
  if (due.length === 0) return undefined
  const draft = new Draft(state, env)
  const closed: ClosedModelWindow[] = []
  for (const [modelId] of due)
    for (const window of draft.windows(modelId).closeIdle(now)) closed.push({ modelId, window })
  return publish(draft, closed, state.nextOffset, now, tp, env)
}

/**
 * The closed windows' results (references that became, drift and quality rows, messages), then the
 * checkpoint of the next state. The same windows always give the same rows and the same tokens.
 */
function publish(
  draft: Draft,
  closed: readonly ClosedModelWindow[],
  nextOffset: bigint,
  now: number,
  tp: TopicPartition,
  env: DriftEnv,
): DriftPlan {
  const writes: Write[] = []
  const firsts = new Map<string, Reference>()
  const unreferenced: DriftPlan['unreferenced'] = []
  const driftRows = []
  const qualityRows = []
  const messages: OutMessage[] = []
  for (const { modelId, window } of closed) {
    const version = window.key.split('\u0001')[1] ?? ''
    const kind = env.settings(modelId).reference.kind
    const reference =
      kind === 'previous'
        ? draft.previous.get(window.key)
        : (env.baselineOf(modelId, version) ??
          firsts.get(referenceKey(modelId, version)) ??
          env.firstOf(modelId, version))
    if (!reference && kind !== 'previous') unreferenced.push({ modelId, version, start: window.start })
    const result = evaluateWindow(window, reference, env.thresholds(modelId))
    if (kind === 'previous') {
      // The next window of this model version is compared with this one; kept in the checkpoint.
      const at = new Date(window.start).toISOString()
      draft.previous.set(window.key, {
        ...referenceFromWindow(window.state, at),
        name: `previous-window:${at}`,
      })
    } else if (result.becomesReference) {
      const ref = result.becomesReference
      writes.push(referenceInsert(modelId, version, ref, ref.name))
      firsts.set(referenceKey(modelId, version), ref)
    }
    driftRows.push(...result.driftRows)
    qualityRows.push(...result.qualityRows)
    messages.push({ key: modelId, value: JSON.stringify(result.message) })
  }
  if (closed.length > 0) {
    const token = hash(closed.map(({ window }) => `${window.key}@${window.start}`).join(','))
    writes.push(
      { table: DRIFT_WINDOWS, rows: driftRows, dedupToken: `drift-${token}` },
      { table: QUALITY_WINDOWS, rows: qualityRows, dedupToken: `quality-${token}` },
      { topic: env.metricsTopic, messages },
    )
  }
  const next: DriftPartition = { nextOffset, models: draft.models, previous: draft.previous }
  writes.push(checkpointWrite(env.group, tp, { nextOffset, state: snapshotOf(next) }, env.nextSeq(now)))
  return { next, writes, closed: [...closed], firsts: [...firsts], unreferenced }
}

/** The checkpoint's JSON: every model's open windows, and the previous windows' profiles. */
export function snapshotOf(p: DriftPartition): {
  models: Record<string, WindowsSnapshot>
  previous: Record<string, Reference>
} {
  return {
    models: Object.fromEntries([...p.models].map(([m, w]) => [m, w.snapshot()])),
    previous: Object.fromEntries(p.previous),
  }
}
