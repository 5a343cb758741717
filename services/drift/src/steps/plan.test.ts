import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import type { PredictionEvent } from '@vigil/events'
import type { Input, Write } from '@vigil/kafka'
import { makePrediction } from '@vigil/testing'
import { PartitionWindows } from '@vigil/windows'
import { describe, expect, it } from 'vitest'
import { createDriftAggregator } from './aggregate.js'
import { type DriftEnv, type DriftPartition, planDriftBatch, planIdleClose, snapshotOf } from './plan.js'

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
}

const empty: DriftPartition = { nextOffset: 0n, models: new Map(), previous: new Map() }

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
  it('adds a batch to copies of its windows: the state it was given stays as it was', () => {
    const first = planDriftBatch(empty, inputs(0, 30), batch(0, 30), tp, env)
    const before = JSON.stringify(snapshotOf(first.next))
    // 10 minutes of events: the first window closes once the watermark passes its end.
    const second = planDriftBatch(first.next, inputs(30, 60, T0 + 300_000), batch(30, 60), tp, env)
    expect(second.closed.map((c) => c.window.start)).toEqual([T0])
    expect(JSON.stringify(snapshotOf(first.next))).toBe(before)
    expect(first.next.nextOffset).toBe(30n)
    expect(second.next.nextOffset).toBe(90n)
  })

  it('writes the closed windows, their messages, then the checkpoint; the same plan twice gives the same writes', () => {
    const state = planDriftBatch(empty, inputs(0, 30), batch(0, 30), tp, env).next
    const a = planDriftBatch(state, inputs(30, 60, T0 + 300_000), batch(30, 60), tp, env)
    const b = planDriftBatch(state, inputs(30, 60, T0 + 300_000), batch(30, 60), tp, env)
    expect(a.writes.map(where)).toEqual([
      'baselines', // the first complete window becomes the model version's reference
      'drift_windows',
      'quality_windows',
      'vigil.metrics',
      'consumer_checkpoints',
    ])
    expect(b.writes).toEqual(a.writes)
    expect(a.firsts.map(([k]) => k)).toHaveLength(1)
  })

  it('skips events below the checkpoint’s offset, and the offset never goes back', () => {
    const state = planDriftBatch(empty, inputs(0, 30), batch(0, 30), tp, env).next
    const again = planDriftBatch(state, inputs(0, 30), batch(0, 30), tp, env)
    expect(JSON.stringify(snapshotOf(again.next))).toBe(JSON.stringify(snapshotOf(state)))
    expect(again.next.nextOffset).toBe(30n)
  })

  it('closes a quiet partition’s windows after the idle timeout, on copies', () => {
    const state = planDriftBatch(empty, inputs(0, 5), batch(0, 5), tp, env).next
    expect(planIdleClose(state, 1_000 + 29_999, tp, env)).toBeUndefined()
    const idle = planIdleClose(state, 1_000 + 30_000, tp, env)!
    expect(idle.closed.map((c) => c.window.closedBy)).toEqual(['idle'])
    expect(state.models.get('m')!.openWindows()).toBe(1)
    expect(idle.next.models.get('m')!.openWindows()).toBe(0)
  })
})
