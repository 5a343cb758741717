import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import type { PredictionEvent } from '@vigil/events'
import type { Input, Write } from '@vigil/kafka'
import { makePrediction } from '@vigil/testing'
import { PartitionWindows } from '@vigil/windows'
import { describe, expect, it } from 'vitest'
import { createDriftAggregator } from './aggregate.js'
import { type MergedRow, type PartialRow, windowId, windowsFromMerged } from './partials.js'
import {
  type DriftEnv,
  type DriftPartition,
  type Evaluations,
  evaluationsDue,
  modelSnapshot,
  planDriftBatch,
  planTick,
} from './plan.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 24, 10)
const tp = { topic: 'vigil.predictions', partition: 1 }
const settings: ModelConfig = {
  ...DEFAULT_MODEL_CONFIG,
  window: 10 * MIN,
  allowed_lateness: MIN,
  idle_timeout: 30_000,
}
const aggregator = createDriftAggregator({
  sampleSize: 50,
  baselineOf: () => undefined,
  declaredTypes: () => ({}),
})

const env: DriftEnv = {
  group: 'vigil-drift',
  metricsTopic: 'vigil.metrics',
  settings: () => settings,
  thresholds: () => () => ({ smallSample: 1000, pValue: 0.05, wassersteinNorm: 0.1, jensenShannon: 0.1 }),
  baselineOf: () => undefined,
  firstOf: () => undefined,
  newWindows: () =>
    new PartitionWindows(
      { sizeMs: settings.window, allowedLatenessMs: MIN, idleTimeoutMs: 30_000 },
      aggregator,
    ),
  nextSeq: (now) => BigInt(now),
  sampleSize: 50,
}

const empty: DriftPartition = { nextOffset: 0n, partialsThrough: -1n, models: new Map() }
const none: Evaluations = { due: [], closing: new Set(), windows: new Map() }

/** What ClickHouse's merge of drift_partials gives (mergedPartialsQuery), from the rows written. */
function merge(writes: readonly Write[]): MergedRow[] {
  const groups = new Map<string, MergedRow & { pairs: [number, number][] }>()
  const group = (r: PartialRow, feature: string, type: string) => {
    const start = Date.parse(`${r.window_start.replace(' ', 'T')}Z`)
    const id = `${r.model_id}|${r.model_version}|${start}|${feature}|${type}`
    const g = groups.get(id) ?? {
      model_id: r.model_id,
      model_version: r.model_version,
      start,
      feature,
      feature_type: type,
      baseline: r.baseline,
      count: 0,
      type_mismatches: 0,
      out_of_range: 0,
      bins: [],
      categories: {},
      sample_hashes: [],
      sample_values: [],
      pairs: [],
    }
    groups.set(id, g)
    return g
  }
  for (const w of writes) {
    if (!('table' in w) || w.table.name !== 'drift_partials') continue
    for (const r of w.rows as PartialRow[]) {
      group(r, '__model__', '').count += Number(r.events)
      for (const [i, feature] of r['features.name'].entries()) {
        const g = group(r, feature, r['features.type'][i]!)
        g.count += r['features.count'][i]!
        g.type_mismatches += r['features.type_mismatches'][i]!
        g.out_of_range += r['features.out_of_range'][i]!
        for (const [k, n] of Object.entries(r['features.categories'][i]!))
          g.categories[k] = (g.categories[k] ?? 0) + n
        const values = r['features.sample_values'][i]!
        for (const [j, h] of r['features.sample_hashes'][i]!.entries()) g.pairs.push([h, values[j]!])
      }
    }
  }
  return [...groups.values()].map(({ pairs, ...g }) => {
    const sample = pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, 50)
    return { ...g, sample_hashes: sample.map((p) => p[0]), sample_values: sample.map((p) => p[1]) }
  })
}

/** What the service would read before planning `batch` (or a tick) on `state`, given the writes so far. */
function evaluations(
  state: DriftPartition,
  writes: readonly Write[],
  batch?: Input<PredictionEvent>[],
  now = 1_000,
): Evaluations {
  const { due, closing } = evaluationsDue(state, batch, now, env)
  return {
    due,
    closing: new Set(closing.map((c) => windowId(c.key, c.start))),
    ...(batch?.[0] ? { firstOffset: batch[0].offset } : {}),
    windows: windowsFromMerged(merge(writes)),
  }
}

const snapshot = (p: DriftPartition) =>
  JSON.stringify([p.nextOffset.toString(), [...p.models].map(([m, s]) => [m, modelSnapshot(s)])])

/** Events of one model, one every 10 s from `from` (offsets from `offset`). */
function inputs(offset: number, n: number, from = T0): Input<PredictionEvent>[] {
  return Array.from({ length: n }, (_, i) => ({
    ...tp,
    offset: BigInt(offset + i),
    timestamp: 0,
    event: makePrediction(offset + i, {
      model_id: 'm',
      timestamp: new Date(from + i * 10_000).toISOString(),
    }),
    message: {} as never,
  }))
}

const batch = (from: bigint | number, n: number) => ({
  now: 1_000,
  lastOffset: BigInt(from) + BigInt(n) - 1n,
})
const where = (w: Write) => ('table' in w ? w.table.name : w.topic)

describe('drift plan', () => {
  it('adds a batch to forks of its windows: the state it was given stays as it was', () => {
    const first = planDriftBatch(empty, inputs(0, 30), batch(0, 30), tp, env, none)
    const before = snapshot(first.next)
    // 10 minutes of events: the first window closes once the watermark passes its end; nothing
    // was read for it, so it waits.
    const second = planDriftBatch(first.next, inputs(30, 60, T0 + 300_000), batch(30, 60), tp, env, none)
    expect(second.closed).toBe(1)
    expect(second.next.models.get('m')!.pending.map((p) => p.start)).toEqual([T0])
    expect(snapshot(first.next)).toBe(before)
    expect(first.next.nextOffset).toBe(30n)
    expect(second.next.nextOffset).toBe(90n)
  })

  it('writes what a batch added as partials, the windows it closed, then the state', () => {
    const a = planDriftBatch(empty, inputs(0, 30), batch(0, 30), tp, env, none)
    expect(a.writes.map(where)).toEqual(['drift_partials', 'drift_state'])
    const events = inputs(30, 60, T0 + 300_000)
    const read = evaluations(a.next, a.writes, events)
    expect([...read.closing]).toEqual([windowId('m\u0001v1', T0)])
    const b = planDriftBatch(a.next, events, batch(30, 60), tp, env, read)
    expect(b.writes.map(where)).toEqual([
      'drift_partials',
      'baselines', // the first complete window becomes the model version's reference
      'drift_windows_input', // unpacked into drift_windows and quality_windows by views
      'quality_windows_input',
      'vigil.metrics',
      'drift_state',
    ])
    expect(b.evaluated.map((e) => e.window.start)).toEqual([T0])
    expect(b.next.models.get('m')!.pending).toEqual([])
    expect(planDriftBatch(a.next, events, batch(30, 60), tp, env, read).writes).toEqual(b.writes)
    expect(b.firsts.map(([k]) => k)).toHaveLength(1)
  })

  it('evaluates a window the same however its events were cut into batches, at once or later', () => {
    const events = [...inputs(0, 70), ...inputs(70, 30, T0 + 700_000)]
    const run = (cuts: number[], readAhead: boolean) => {
      let state = empty
      const written: Write[] = []
      for (let i = 0; i < cuts.length - 1; i++) {
        const part = events.slice(cuts[i], cuts[i + 1])
        const read = readAhead ? evaluations(state, written, part) : none
        const p = planDriftBatch(state, part, batch(cuts[i]!, part.length), tp, env, read)
        written.push(...p.writes)
        state = p.next
      }
      const tick = planTick(state, 1_000, tp, env, evaluations(state, written))
      return [...written, ...(tick?.writes ?? [])].filter(
        (w) => !('table' in w) || w.table.name.endsWith('_windows'),
      )
    }
    const whole = run([0, 100], true)
    expect(whole.length).toBeGreaterThan(0)
    expect(run([0, 1, 37, 64, 99, 100], true)).toEqual(whole)
    expect(run([0, 1, 37, 64, 99, 100], false)).toEqual(whole)
  })

  it('leaves what a split batch’s second half closes pending: the first half’s partials are not stored yet', () => {
    const events = inputs(0, 90)
    const read = evaluations(empty, [], events)
    expect(read.closing.size).toBe(1)
    const left = planDriftBatch(empty, events.slice(0, 45), batch(0, 45), tp, env, read)
    const right = planDriftBatch(left.next, events.slice(45), batch(45, 45), tp, env, read)
    expect(right.evaluated).toEqual([])
    expect(right.next.models.get('m')!.pending.map((p) => p.start)).toEqual([T0])
  })

  it('skips events below the state’s offset, and adds no partials for events already in them', () => {
    const state = planDriftBatch(empty, inputs(0, 30), batch(0, 30), tp, env, none).next
    const again = planDriftBatch(state, inputs(0, 30), batch(0, 30), tp, env, none)
    expect(snapshot(again.next)).toBe(snapshot(state))
    expect(again.next.nextOffset).toBe(30n)
    // After a crash between a batch's partials and its state: the clock moves, nothing is added.
    const crashed = { ...empty, partialsThrough: 29n }
    const replay = planDriftBatch(crashed, inputs(0, 30), batch(0, 30), tp, env, none)
    expect(replay.writes.map(where)).toEqual(['drift_state'])
    expect(snapshot(replay.next)).toBe(snapshot(state))
  })

  it('closes a quiet partition’s windows after the idle timeout, on forks', () => {
    const first = planDriftBatch(empty, inputs(0, 5), batch(0, 5), tp, env, none)
    const state = first.next
    expect(planTick(state, 1_000 + 29_999, tp, env, none)).toBeUndefined()
    const idle = planTick(
      state,
      1_000 + 30_000,
      tp,
      env,
      evaluations(state, first.writes, undefined, 31_000),
    )!
    expect(idle.evaluated.map((e) => e.window.closedBy)).toEqual(['idle'])
    expect(state.models.get('m')!.windows.openWindows()).toBe(1)
    expect(idle.next.models.get('m')!.windows.openWindows()).toBe(0)
  })
})
