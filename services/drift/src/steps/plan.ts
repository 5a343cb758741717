import { referenceInsert, referenceKey } from '@vigil/baselines'
import {
  DRIFT_PARTIALS,
  DRIFT_STATE,
  DRIFT_WINDOWS_INPUT,
  dedupToken,
  type PartialWindow,
  QUALITY_WINDOWS_INPUT,
} from '@vigil/clickhouse'
import type { ModelConfig } from '@vigil/config'
import type { PredictionEvent } from '@vigil/events'
import type { Input, OutMessage, Plan, TopicPartition, Write } from '@vigil/kafka'
import type { DriftThresholds } from '@vigil/stats'
import type { ClosedWindow, PartitionWindows, WindowsSnapshot } from '@vigil/windows'
import type { WindowDelta } from './aggregate.js'
import { type DriftInputRow, evaluateWindow, type QualityInputRow, referenceFromWindow } from './evaluate.js'
import {
  type MergedWindow,
  partialRows,
  type WindowState,
  windowId,
  windowState,
  withDelta,
} from './partials.js'
import { type Reference, splitKey, windowKey } from './reference.js'

export type ModelWindows = PartitionWindows<PredictionEvent, WindowDelta>

/** A closed window whose partials are stored, waiting to be evaluated. */
export interface PendingWindow {
  key: string
  start: number
  end: number
  lateEvents: number
  closedBy: ClosedWindow<unknown>['closedBy']
  /** What reading its merged partials costs: sampled values, at most (features × min(events, sample size)). */
  cost: number
}

/** One model's clock on a partition. */
export interface ModelState {
  windows: ModelWindows
  /** Closed windows, oldest first: evaluated by a later plan, once their partials are durable. */
  pending: readonly PendingWindow[]
  /** For models compared with their previous window: the start of the last evaluated window, by window key. */
  previous: Readonly<Record<string, number>>
}

/** A partition's drift state: never changed in place; a plan makes the next one. */
export interface DriftPartition {
  /** Offsets below are in the state: a re-delivered event there is skipped. */
  nextOffset: bigint
  /**
   * Offsets up to this have their partials stored (-1n: none). Above `nextOffset` only after a
   * crash between a batch's partials and its state: those events move the clock again but are
   * not added twice.
   */
  partialsThrough: bigint
  models: ReadonlyMap<string, ModelState>
}

/** What a plan evaluates, read before it: merged partials of windows due or about to close. */
export interface Evaluations {
  /** Pending windows to evaluate first, oldest first per model. */
  due: { modelId: string; window: PendingWindow }[]
  /** Windows the plan's batch (or tick) closes that it may evaluate at once, by windowId. */
  closing: ReadonlySet<string>
  /**
   * The batch's first offset. Only a plan starting there evaluates what it closes at once: a
   * plan of the second half of a split batch misses what the first half added (not yet stored).
   */
  firstOffset?: bigint
  /** Stored partials merged, by windowId: the due and closing windows and the previous windows they are compared with. */
  windows: ReadonlyMap<string, MergedWindow>
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
  /** A state sequence number, higher than any before. */
  nextSeq(now: number): bigint
  /** Values a window's sample keeps per numerical feature. */
  sampleSize: number
}

export interface EvaluatedWindow {
  modelId: string
  window: PendingWindow
}

export interface DriftPlan extends Plan<DriftPartition> {
  evaluated: EvaluatedWindow[]
  /** Windows this plan closed (evaluated by a later one). */
  closed: number
  /** First complete windows that became their model version's reference (by referenceKey). */
  firsts: [string, Reference][]
  /** Windows evaluated without any reference to compare with (the first of a model version). */
  unreferenced: { modelId: string; version: string; start: number }[]
}

/**
 * Sampled values one plan's evaluations may read, at most (and at least one window): bounds the
 * memory of the merged partials when hundreds of models close an hour at once (a window of 20
 * features holds up to 40,000), while a backfill of small windows evaluates them as they close.
 */
export const EVALUATION_BUDGET = 1_000_000

/** What evaluating a window reads: its sampled values, at most. */
export function evaluationCost(w: WindowDelta, sampleSize: number): number {
  return (Object.keys(w.types).length + 1) * Math.min(w.seen, sampleSize)
}

/**
 * What the next plan on `state` evaluates: its pending windows, then the windows `inputs` (a
 * batch) or the idle timeout at `now` (a tick) closes, within EVALUATION_BUDGET; the rest wait.
 * Runs the batch on forks of the clocks, adding nothing.
 */
export function evaluationsDue(
  state: DriftPartition,
  inputs: readonly Input<PredictionEvent>[] | undefined,
  now: number,
  env: DriftEnv,
): { due: Evaluations['due']; closing: { modelId: string; key: string; start: number }[] } {
  let spent = 0
  const affordable = (cost: number) => {
    if (spent > 0 && spent + cost > EVALUATION_BUDGET) return false
    spent += cost
    return true
  }
  const due: Evaluations['due'] = []
  for (const [modelId, m] of state.models)
    for (const window of m.pending) {
      if (!affordable(window.cost)) return { due, closing: [] }
      due.push({ modelId, window })
    }
  const closing: { modelId: string; key: string; start: number }[] = []
  const close = (modelId: string, w: { key: string; start: number; state: WindowDelta }) => {
    if (!affordable(evaluationCost(w.state, env.sampleSize))) return false
    closing.push({ modelId, key: w.key, start: w.start })
    return true
  }
  if (inputs) {
    // Most batches close nothing: replay only the models whose clocks the batch could move past
    // a window's end (PartitionWindows.mayClose), instead of every event through forked windows.
    const spans = new Map<string, { min: number; max: number }>()
    for (const { offset, event: e } of inputs) {
      if (offset < state.nextOffset) continue
      const at = Date.parse(e.timestamp)
      const span = spans.get(e.model_id)
      if (!span) spans.set(e.model_id, { min: at, max: at })
      else if (at < span.min) span.min = at
      else if (at > span.max) span.max = at
    }
    const replay = new Set<string>()
    for (const [modelId, { min, max }] of spans) {
      const windows = state.models.get(modelId)?.windows ?? env.newWindows(modelId)
      if (windows.mayClose(min, max)) replay.add(modelId)
    }
    const clocks = new Map<string, ModelWindows>()
    for (const { offset, event: e } of inputs) {
      if (offset < state.nextOffset || !replay.has(e.model_id)) continue
      let w = clocks.get(e.model_id)
      if (!w) {
        w = state.models.get(e.model_id)?.windows.fork() ?? env.newWindows(e.model_id)
        clocks.set(e.model_id, w)
      }
      const at = Date.parse(e.timestamp)
      for (const c of w.add(windowKey(e.model_id, e.model_version), at, e, now, false))
        if (!close(e.model_id, c)) return { due, closing }
    }
  } else {
    for (const [modelId, m] of state.models)
      if (m.windows.idleDue(now))
        for (const w of m.windows.openStates()) if (!close(modelId, w)) return { due, closing }
  }
  return { due, closing }
}

/** The windows whose stored partials the evaluations need: themselves and the previous windows they are compared with. */
export function windowsToRead(
  state: DriftPartition,
  windows: readonly { modelId: string; key: string; start: number }[],
  env: DriftEnv,
): PartialWindow[] {
  const out = new Map<string, PartialWindow>()
  const add = (key: string, start: number) => {
    const { modelId, modelVersion } = splitKey(key)
    out.set(windowId(key, start), { modelId, modelVersion, start })
  }
  for (const { modelId, key, start } of windows) {
    add(key, start)
    const before = state.models.get(modelId)?.previous[key]
    if (env.settings(modelId).reference.kind === 'previous' && before !== undefined) add(key, before)
  }
  return [...out.values()]
}

/** A working copy: models are forked the first time the plan touches them, the rest shared. */
class Draft {
  readonly models: Map<string, ModelState>
  readonly touched = new Map<
    string,
    { windows: ModelWindows; pending: PendingWindow[]; previous: Record<string, number> }
  >()

  constructor(
    private readonly base: DriftPartition,
    private readonly env: DriftEnv,
  ) {
    this.models = new Map(base.models)
  }

  model(modelId: string) {
    let m = this.touched.get(modelId)
    if (!m) {
      const before = this.base.models.get(modelId)
      m = before
        ? { windows: before.windows.fork(), pending: [...before.pending], previous: { ...before.previous } }
        : { windows: this.env.newWindows(modelId), pending: [], previous: {} }
      this.touched.set(modelId, m)
      this.models.set(modelId, m)
    }
    return m
  }
}

/**
 * A batch: the pending windows read for it evaluated, then its events not yet in the state added
 * to forks of their models' windows; what they added becomes partial rows. A window they close is
 * evaluated at once from its stored partials and what the batch added, or, past the plan's bound
 * (or in the second half of a split batch), becomes pending.
 */
export function planDriftBatch(
  state: DriftPartition,
  inputs: readonly Input<PredictionEvent>[],
  batch: { now: number; lastOffset: bigint },
  tp: TopicPartition,
  env: DriftEnv,
  evaluations: Evaluations,
): DriftPlan {
  const { now } = batch
  const draft = new Draft(state, env)
  const evaluator = new Evaluator(state, draft, evaluations, env)
  const whole = inputs[0] !== undefined && inputs[0].offset === evaluations.firstOffset
  const deltas: { delta: WindowDelta; end: number }[] = []
  let closed = 0
  let first: bigint | undefined
  let last: bigint | undefined
  for (const { offset, event: e } of inputs) {
    if (offset < state.nextOffset) continue
    const record = offset > state.partialsThrough
    if (record) {
      first ??= offset
      last = offset
    }
    const m = draft.model(e.model_id)
    const at = Date.parse(e.timestamp)
    for (const window of m.windows.add(windowKey(e.model_id, e.model_version), at, e, now, record)) {
      deltas.push({ delta: window.state, end: window.end })
      evaluator.closed(e.model_id, window, whole)
      closed++
    }
  }
  // The deltas of the windows still open (closed ones were collected as they closed).
  for (const m of draft.touched.values())
    for (const w of m.windows.openStates()) deltas.push({ delta: w.state, end: w.end })
  const partials = first === undefined || last === undefined ? [] : partialRows(deltas, tp, { first, last })
  const nextOffset = batch.lastOffset >= state.nextOffset ? batch.lastOffset + 1n : state.nextOffset
  // biome-ignore lint/complexity/useMathMinMax: offsets are bigints, which Math.max does not take
  const partialsThrough = batch.lastOffset > state.partialsThrough ? batch.lastOffset : state.partialsThrough
  return finish(draft, evaluator, closed, partials, { nextOffset, partialsThrough }, now, tp, env)
}

/**
 * A tick: the pending windows read for it evaluated, and the windows of models whose partition
 * has been quiet for their idle timeout closed (all they hold is stored). Undefined when there is
 * nothing to do.
 */
export function planTick(
  state: DriftPartition,
  now: number,
  tp: TopicPartition,
  env: DriftEnv,
  evaluations: Evaluations,
): DriftPlan | undefined {
  const idle = [...state.models].filter(([, m]) => m.windows.idleDue(now))
  if (idle.length === 0 && evaluations.due.length === 0) return undefined
  const draft = new Draft(state, env)
  const evaluator = new Evaluator(state, draft, evaluations, env)
  let closed = 0
  for (const [modelId] of idle)
    for (const window of draft.model(modelId).windows.closeIdle(now)) {
      evaluator.closed(modelId, window, true)
      closed++
    }
  const offsets = { nextOffset: state.nextOffset, partialsThrough: state.partialsThrough }
  return finish(draft, evaluator, closed, [], offsets, now, tp, env)
}

function pendingOf(w: ClosedWindow<WindowDelta>, sampleSize: number): PendingWindow {
  return {
    key: w.key,
    start: w.start,
    end: w.end,
    lateEvents: w.lateEvents,
    closedBy: w.closedBy,
    cost: evaluationCost(w.state, sampleSize),
  }
}

/**
 * Evaluates windows in order — the due pending ones first, then those the plan closes — each
 * against its reference: drift, data quality, the metrics message; a first window becomes its
 * version's reference. The same windows always give the same rows and the same tokens.
 */
class Evaluator {
  readonly windows: EvaluatedWindow[] = []
  readonly references: ReturnType<typeof referenceInsert>[] = []
  readonly firsts = new Map<string, Reference>()
  readonly unreferenced: DriftPlan['unreferenced'] = []
  /** A packed row per window (migration 013 unpacks them into drift_windows and quality_windows). */
  private readonly driftRows: DriftInputRow[] = []
  private readonly qualityRows: QualityInputRow[] = []
  private readonly messages: OutMessage[] = []
  /** Windows evaluated by this plan, whole: a later window of the same key may be compared with one. */
  private readonly done = new Map<string, MergedWindow>()

  constructor(
    state: DriftPartition,
    private readonly draft: Draft,
    private readonly ev: Evaluations,
    private readonly env: DriftEnv,
  ) {
    for (const { modelId, window } of ev.due) {
      const at = (pending: readonly PendingWindow[] | undefined) =>
        pending?.findIndex((p) => p.key === window.key && p.start === window.start) ?? -1
      // A plan of the second half of a split batch finds the first half's evaluations done.
      if (at(state.models.get(modelId)?.pending) < 0) continue
      const stored = ev.windows.get(windowId(window.key, window.start))
      if (!stored) throw new Error(`the partials of window ${window.key}@${window.start} were not read`)
      const m = draft.model(modelId)
      m.pending.splice(at(m.pending), 1)
      this.evaluate(modelId, window, stored)
    }
  }

  /** A window the plan closed: evaluated now if it was read for that and none of its model's waits before it. */
  closed(modelId: string, window: ClosedWindow<WindowDelta>, whole: boolean): void {
    const m = this.draft.model(modelId)
    const id = windowId(window.key, window.start)
    if (whole && m.pending.length === 0 && this.ev.closing.has(id))
      this.evaluate(
        modelId,
        pendingOf(window, this.env.sampleSize),
        withDelta(this.ev.windows.get(id), window.state, window.key, window.start),
      )
    else m.pending.push(pendingOf(window, this.env.sampleSize))
  }

  private evaluate(modelId: string, window: PendingWindow, merged: MergedWindow): void {
    const { env } = this
    const m = this.draft.model(modelId)
    const version = splitKey(window.key).modelVersion
    const kind = env.settings(modelId).reference.kind
    let reference: Reference | undefined
    if (kind === 'previous') {
      const before = m.previous[window.key]
      const id = before === undefined ? undefined : windowId(window.key, before)
      const prior = id === undefined ? undefined : (this.done.get(id) ?? this.ev.windows.get(id))
      if (prior) {
        const at = new Date(before!).toISOString()
        reference = {
          ...referenceFromWindow(windowState(prior, env.sampleSize), at),
          name: `previous-window:${at}`,
        }
      }
      m.previous[window.key] = window.start
      this.done.set(windowId(window.key, window.start), merged)
    } else {
      reference =
        env.baselineOf(modelId, version) ??
        this.firsts.get(referenceKey(modelId, version)) ??
        env.firstOf(modelId, version)
      if (!reference) this.unreferenced.push({ modelId, version, start: window.start })
    }
    const closedWindow: ClosedWindow<WindowState> = { ...window, state: windowState(merged, env.sampleSize) }
    const result = evaluateWindow(closedWindow, reference, env.thresholds(modelId))
    if (kind !== 'previous' && result.becomesReference) {
      const ref = result.becomesReference
      this.references.push(referenceInsert(modelId, version, ref, ref.name))
      this.firsts.set(referenceKey(modelId, version), ref)
    }
    if (result.drift) this.driftRows.push(result.drift)
    this.qualityRows.push(result.quality)
    this.messages.push({ key: modelId, value: JSON.stringify(result.message) })
    this.windows.push({ modelId, window })
  }

  /** The evaluations' writes: references, then drift and quality rows, then the messages. */
  writes(): Write[] {
    if (this.windows.length === 0) return []
    const ids = this.windows.map(({ window }) => windowId(window.key, window.start))
    return [
      // Hundreds of models' first windows may become references in one plan: one insert, not one each.
      ...(this.references.length > 0
        ? [
            {
              table: this.references[0]!.table,
              rows: this.references.flatMap((r) => r.rows),
              dedupToken: dedupToken(
                'baselines',
                this.references.map((r) => r.dedupToken),
              ),
            },
          ]
        : []),
      { table: DRIFT_WINDOWS_INPUT, rows: this.driftRows, dedupToken: dedupToken('drift', ids) },
      { table: QUALITY_WINDOWS_INPUT, rows: this.qualityRows, dedupToken: dedupToken('quality', ids) },
      { topic: this.env.metricsTopic, messages: this.messages },
    ]
  }
}

/**
 * The plan's writes in order: the batch's partials, the evaluations, then one insert of the
 * touched models' state rows and the partition row, which stores them together or not at all.
 */
function finish(
  draft: Draft,
  evaluated: Evaluator,
  closed: number,
  partials: ReturnType<typeof partialRows>,
  offsets: Pick<DriftPartition, 'nextOffset' | 'partialsThrough'>,
  now: number,
  tp: TopicPartition,
  env: DriftEnv,
): DriftPlan {
  const writes: Write[] = []
  if (partials.length > 0)
    writes.push({
      table: DRIFT_PARTIALS,
      rows: partials,
      dedupToken: `partials-${tp.topic}-${tp.partition}-${partials[0]!.first_offset}-${partials[0]!.last_offset}`,
    })
  writes.push(...evaluated.writes())
  // The next state holds no batch's deltas: they are in the partials.
  for (const [modelId, m] of draft.touched) {
    const settled = { ...m, windows: m.windows.fork() }
    draft.models.set(modelId, settled)
  }
  const next: DriftPartition = { ...offsets, models: draft.models }
  const seq = env.nextSeq(now).toString()
  const row = (key: string, state: unknown) => ({
    consumer_group: env.group,
    topic: tp.topic,
    partition: tp.partition,
    key,
    seq,
    next_offset: offsets.nextOffset.toString(),
    state: JSON.stringify(state),
  })
  writes.push({
    table: DRIFT_STATE,
    rows: [
      ...[...draft.touched.keys()].map((modelId) => row(modelId, modelSnapshot(draft.models.get(modelId)!))),
      row('', {}),
    ],
    dedupToken: `state-${env.group}-${tp.topic}-${tp.partition}-${seq}`,
  })
  return {
    next,
    writes,
    evaluated: evaluated.windows,
    closed,
    firsts: [...evaluated.firsts],
    unreferenced: evaluated.unreferenced,
  }
}

export interface ModelSnapshot {
  windows: WindowsSnapshot
  pending: PendingWindow[]
  previous: Record<string, number>
}

/** A model's state row: its clock, open windows (who they are, not what they hold), pending windows. */
export function modelSnapshot(m: ModelState): ModelSnapshot {
  return { windows: m.windows.snapshot(), pending: [...m.pending], previous: { ...m.previous } }
}
