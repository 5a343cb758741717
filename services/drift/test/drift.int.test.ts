import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadReferences, saveReference } from '@vigil/baselines'
import { type ClickHouse, connectClickHouse, migrate, queryRows } from '@vigil/clickhouse'
import type { ModelSettingsInput, VigilConfig } from '@vigil/config'
import { createEventParser, type PredictionEvent } from '@vigil/events'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { createRecorder } from '@vigil/recorder'
import { type RunningProcess, type ServiceFactory, startProcess } from '@vigil/runtime'
import { categoricalProfile, numericalProfile } from '@vigil/stats'
import {
  createTestTopics,
  groupLag,
  publish,
  readTopic,
  refuseWrites,
  testConfig,
  testKafka,
  waitFor,
} from '@vigil/testing'
import { AssignerProtocol } from 'kafkajs'
import { afterEach, describe, expect, it } from 'vitest'
import { createDrift } from '../src/service.js'
import type { Reference } from '../src/steps/reference.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0)
const WINDOWS = 6
const PER_WINDOW = 1200

/** mulberry32 + Box–Muller: the same traffic on every run. */
function rng(seed: number) {
  let a = seed >>> 0
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { u, normal: () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) }
}

/**
 * Six 10-minute windows per model; x shifts by 1.5σ from window 3 on, c gets a new category from
 * window 4 on. Several models' events are interleaved in time, as a live topic has them.
 */
function traffic(models: readonly string[] = ['m1']): PredictionEvent[] {
  const events: PredictionEvent[] = []
  for (const model of models) {
    const r = rng(7)
    const prefix = model === 'm1' ? '' : `${model}-`
    for (let w = 0; w < WINDOWS; w++) {
      for (let i = 0; i < PER_WINDOW; i++) {
        const c = w >= 4 && r.u() < 0.3 ? 'd' : (['a', 'b', 'c'] as const)[Math.floor(r.u() * 3)]!
        events.push({
          schema_version: 1,
          prediction_id: `${prefix}w${w}-${i}`,
          model_id: model,
          model_version: 'v1',
          timestamp: new Date(T0 + w * 10 * MIN + Math.floor((i / PER_WINDOW) * 10 * MIN)).toISOString(),
          features: {
            x: r.normal() + (w >= 3 ? 1.5 : 0),
            y: 5 + 2 * r.normal(),
            c,
            z: Math.round(r.u() * 10),
          },
          prediction: { label: r.u() < 0.2 ? 'yes' : 'no', score: r.u() },
        })
      }
    }
  }
  // Stable sort: one model's events keep their order, models interleave by event time.
  events.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
  // One event a day later per model closes every window by the watermark (no idle close needed).
  for (const model of models) {
    const first = events.find((e) => e.model_id === model)!
    events.push({
      ...first,
      prediction_id: `${model}-closer`,
      timestamp: new Date(T0 + 86_400_000).toISOString(),
    })
  }
  return events
}

const running: RunningProcess[] = []
afterEach(async () => {
  for (const p of running.splice(0).reverse()) await p.stop()
})

function withModels(
  config: VigilConfig,
  reference: NonNullable<ModelSettingsInput['reference']> = { kind: 'baseline' },
): VigilConfig {
  return {
    ...config,
    models: {
      '*': {
        window: 10 * MIN,
        allowed_lateness: MIN,
        idle_timeout: 3_600_000,
        reference,
      },
    },
  }
}

async function start(
  config: VigilConfig,
  services: ServiceFactory[] = [createDrift],
): Promise<RunningProcess> {
  const proc = await startProcess(config, services, {
    log: createLogger({ name: 'test', level: config.log_level }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  running.push(proc)
  return proc
}

async function driftTable(ch: ClickHouse) {
  return queryRows<{
    model_id: string
    w: number
    feature: string
    drifted: number
    metric: string
    value: number | null
  }>(
    ch,
    `SELECT model_id, toUInt32((toUnixTimestamp64Milli(window_start) - {t0:Int64}) / 600000) AS w, feature, metric, value, drifted
     FROM {db:Identifier}.drift_windows FINAL ORDER BY model_id, w, feature, metric`,
    { t0: T0 },
  )
}

/** The same topic read by one consumer of another group into another database, start to end. */
async function uninterruptedRun(base: VigilConfig) {
  return runOnTraffic({
    ...base,
    clickhouse: { ...base.clickhouse, database: `${base.clickhouse.database}_whole` },
    drift: { ...base.drift, group_id: `${base.drift.group_id}-whole` },
  })
}

/** Windows (0-5) in which a feature was found drifted. */
function driftedWindows(rows: Awaited<ReturnType<typeof driftTable>>, feature: string): number[] {
  return [
    ...new Set(rows.filter((r) => r.feature === feature && r.drifted === 1).map((r) => Number(r.w))),
  ].sort()
}

/** Publishes the traffic, runs the drift service until it has read everything, returns the table. */
async function runOnTraffic(config: VigilConfig) {
  const kafka = testKafka(config)
  const proc = await start(config)
  const lagZero = async () =>
    (await groupLag(kafka, config.drift.group_id, [config.kafka.topics.predictions])) === 0
  expect(await waitFor(lagZero, 60_000)).toBe(true)
  return driftTable(proc.deps.ch)
}

describe('drift service on the real broker and embedded ClickHouse', () => {
  it('finds the injected drift in the right windows and features, and nothing else', async () => {
    const config = withModels(testConfig({ name: 'drift' }))
    const kafka = testKafka(config)
    await createTestTopics(config)
    await publish(kafka, config.kafka.topics.predictions, traffic())
    const proc = await start(config)
    const lagZero = async () =>
      (await groupLag(kafka, config.drift.group_id, [config.kafka.topics.predictions])) === 0
    expect(await waitFor(lagZero, 60_000)).toBe(true)

    const rows = await driftTable(proc.deps.ch)
    const drifted = (feature: string) => driftedWindows(rows, feature)
    // Window 0 is the reference (no baseline uploaded): windows 1-5 are compared with it.
    expect(drifted('x')).toEqual([3, 4, 5])
    expect(drifted('c')).toEqual([4, 5])
    for (const f of ['y', 'z', '__score__', '__label__']) expect(drifted(f), f).toEqual([])
    const share = rows.filter((r) => r.feature === '__model__').map((r) => [Number(r.w), r.value])
    expect(share).toEqual([
      [1, 0],
      [2, 0],
      [3, 1 / 6],
      [4, 2 / 6],
      [5, 2 / 6],
    ])

    const quality = await queryRows<{ w: number; value: number }>(
      proc.deps.ch,
      `SELECT toUInt32((toUnixTimestamp64Milli(window_start) - {t0:Int64}) / 600000) AS w, value
       FROM {db:Identifier}.quality_windows FINAL WHERE feature = 'c' AND metric = 'new_categories' ORDER BY w`,
      { t0: T0 },
    )
    expect(quality.map((q) => [Number(q.w), q.value])).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 1],
      [5, 1],
    ])

    const messages = await readTopic(kafka, config.kafka.topics.metrics, WINDOWS, 10_000)
    expect(messages).toHaveLength(WINDOWS)
    const parser = createEventParser('metrics')
    for (const m of messages) {
      const parsed = parser.parse(m.value)
      expect(parsed.ok, parsed.ok ? '' : parsed.reason).toBe(true)
      expect(m.key).toBe('m1')
    }
  })

  it('publishes the same windows after a restart in the middle of the stream', async () => {
    const base = withModels(testConfig({ name: 'driftre' }))
    const kafka = testKafka(base)
    await createTestTopics(base)
    const events = traffic()
    const half = Math.floor(events.length * 0.45)
    await publish(kafka, base.kafka.topics.predictions, events.slice(0, half))

    // Interrupted: stop after the first part, start again, finish.
    const interrupted: VigilConfig = base
    let proc = await start(interrupted)
    const topics = [base.kafka.topics.predictions]
    const caughtUp = (c: VigilConfig) => async () => (await groupLag(kafka, c.drift.group_id, topics)) === 0
    expect(await waitFor(caughtUp(interrupted), 60_000)).toBe(true)
    await proc.stop()
    running.splice(running.indexOf(proc), 1)
    await publish(kafka, base.kafka.topics.predictions, events.slice(half))
    proc = await start(interrupted)
    expect(await waitFor(caughtUp(interrupted), 60_000)).toBe(true)
    const afterRestart = await driftTable(proc.deps.ch)
    await proc.stop()
    running.splice(running.indexOf(proc), 1)

    const uninterrupted = await uninterruptedRun(base)
    expect(afterRestart.length).toBeGreaterThan(50)
    expect(afterRestart).toEqual(uninterrupted)
  })

  it('publishes the same windows when ClickHouse refuses writes for a while mid-stream', async () => {
    const base = withModels(testConfig({ name: 'driftchdown' }))
    const kafka = testKafka(base)
    await createTestTopics(base)
    const events = traffic()
    const part = Math.floor(events.length * 0.3)
    await publish(kafka, base.kafka.topics.predictions, events.slice(0, part))
    const proc = await start(base)
    const topics = [base.kafka.topics.predictions]
    const caughtUp = async () => (await groupLag(kafka, base.drift.group_id, topics)) === 0
    expect(await waitFor(caughtUp, 60_000)).toBe(true)

    // Writes fail at the client boundary (reads work) while batches that close windows arrive.
    const outage = refuseWrites(proc.deps.ch)
    await publish(kafka, base.kafka.topics.predictions, events.slice(part))
    expect(await waitFor(async () => outage.refused() >= 3, 30_000)).toBe(true)
    outage.restore()
    expect(await waitFor(caughtUp, 60_000)).toBe(true)
    const afterOutage = await driftTable(proc.deps.ch)
    const late = await queryRows<{ v: number }>(
      proc.deps.ch,
      `SELECT sum(value) AS v FROM {db:Identifier}.quality_windows FINAL WHERE metric = 'late_events'`,
    )
    await proc.stop()
    running.splice(running.indexOf(proc), 1)

    expect(afterOutage.length).toBeGreaterThan(50)
    expect(Number(late[0]?.v ?? 0)).toBe(0)
    expect(afterOutage).toEqual(await uninterruptedRun(base))
  })

  it('compares each window with the previous one when the model says so', async () => {
    const config = withModels(testConfig({ name: 'driftprev' }), { kind: 'previous' })
    await createTestTopics(config)
    await publish(testKafka(config), config.kafka.topics.predictions, traffic())
    const rows = await runOnTraffic(config)
    // Only the windows where something changed: x moves in window 3, c gains a category in 4.
    expect(driftedWindows(rows, 'x')).toEqual([3])
    expect(driftedWindows(rows, 'c')).toEqual([4])
    for (const f of ['y', 'z', '__score__', '__label__']) expect(driftedWindows(rows, f), f).toEqual([])
    // The first window has nothing before it to be compared with.
    expect(rows.some((r) => r.w === 0)).toBe(false)
  })

  it('takes the reference from a time range of the model’s own recorded traffic', async () => {
    const config = withModels(testConfig({ name: 'driftrange' }), {
      kind: 'range',
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 30 * MIN).toISOString(),
    })
    const kafka = testKafka(config)
    await createTestTopics(config)
    await publish(kafka, config.kafka.topics.predictions, traffic())
    // The recorder stores the traffic first, so the range (windows 0-2) is in `predictions`.
    const recorder = await start(config, [createRecorder])
    const recorded = async () =>
      (await groupLag(kafka, config.recorder.group_id, [config.kafka.topics.predictions])) === 0
    expect(await waitFor(recorded, 60_000)).toBe(true)
    await recorder.stop()
    running.splice(running.indexOf(recorder), 1)

    const rows = await runOnTraffic(config)
    expect(driftedWindows(rows, 'x')).toEqual([3, 4, 5])
    expect(driftedWindows(rows, 'c')).toEqual([4, 5])
    // Window 0 is compared too: the range, not the first window, is the reference.
    expect(rows.some((r) => r.w === 0 && r.feature === 'x')).toBe(true)
  })

  it('compares every model version with a pinned version’s baseline', async () => {
    const config = withModels(testConfig({ name: 'driftpin' }), { kind: 'baseline', version: 'v0' })
    await createTestTopics(config)
    await publish(testKafka(config), config.kafka.topics.predictions, traffic())
    // v0 was trained on shifted x; v1's own baseline is not: the pin decides which one applies.
    const r = rng(11)
    const baseline = (shift: number): Reference => {
      const xs = Array.from({ length: 5000 }, () => r.normal() + shift)
      const cs = Array.from({ length: 5000 }, () => (['a', 'b', 'c'] as const)[Math.floor(r.u() * 3)]!)
      return {
        name: `test:${shift}`,
        kind: 'baseline',
        features: { x: numericalProfile(xs), c: categoricalProfile(cs) },
      }
    }
    const ch = await connectClickHouse(config.clickhouse)
    try {
      await migrate(ch)
      await saveReference(ch, 'm1', 'v0', baseline(1.5), 'test')
      await saveReference(ch, 'm1', 'v1', baseline(0), 'test')
    } finally {
      await ch.close()
    }
    const rows = await runOnTraffic(config)
    expect(driftedWindows(rows, 'x')).toEqual([0, 1, 2])
    expect(driftedWindows(rows, 'c')).toEqual([4, 5])
  })

  it('uses the newest upload of a baseline, also one from a file of the same name', async () => {
    const config = testConfig({ name: 'driftreup' })
    const profile = (shift: number): Reference => ({
      name: 'baseline:*',
      kind: 'baseline',
      features: { x: numericalProfile(Array.from({ length: 100 }, (_, i) => i + shift)) },
    })
    const ch = await connectClickHouse(config.clickhouse)
    try {
      await migrate(ch)
      await saveReference(ch, 'm1', '*', profile(0), 'file:train.csv')
      await saveReference(ch, 'm1', '*', profile(1000), 'file:train.csv')
      expect((await loadReferences(ch)).baselines.get('m1|*')?.features.x).toMatchObject({ mean: 1049.5 })
    } finally {
      await ch.close()
    }
  })

  it('publishes the same windows when a second consumer joins the group mid-stream', async () => {
    const base = withModels(testConfig({ name: 'driftrb' }))
    const kafka = testKafka(base)
    await createTestTopics(base)
    const topic = base.kafka.topics.predictions
    const events = traffic(['m1', 'm2', 'm3', 'm4', 'm5', 'm6'])
    const part = Math.floor(events.length * 0.4)
    await publish(kafka, topic, events.slice(0, part))
    const caughtUp = (c: VigilConfig) => async () => (await groupLag(kafka, c.drift.group_id, [topic])) === 0

    // One consumer holds every partition and has windows open on each.
    const first = await start(base)
    expect(await waitFor(caughtUp(base), 60_000)).toBe(true)
    // A second joins the group while the rest of the stream arrives: partitions move to it.
    const [second] = await Promise.all([start(base), publish(kafka, topic, events.slice(part))])
    const admin = kafka.admin()
    await admin.connect()
    const owners = async () => {
      const { groups } = await admin.describeGroups([base.drift.group_id])
      return (groups[0]?.members ?? []).filter(
        (m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic]?.length,
      ).length
    }
    try {
      expect(await waitFor(async () => (await owners()) === 2, 60_000)).toBe(true)
    } finally {
      await admin.disconnect()
    }
    expect(await waitFor(caughtUp(base), 60_000)).toBe(true)
    const shared = await driftTable(second.deps.ch)
    for (const p of [first, second]) {
      await p.stop()
      running.splice(running.indexOf(p), 1)
    }

    const uninterrupted = await uninterruptedRun(base)
    expect(new Set(uninterrupted.map((r) => r.model_id)).size).toBe(6)
    expect(shared).toEqual(uninterrupted)
  })

  it('merges windows in SQL as docs/analysts.md shows: the bin and category counts of a direct count', async () => {
    const config = withModels(testConfig({ name: 'driftrewindow' }))
    const kafka = testKafka(config)
    await createTestTopics(config)
    await publish(kafka, config.kafka.topics.predictions, traffic(['m1', 'm2']))
    const r = rng(5)
    const reference: Reference = {
      name: 'test:rewindow',
      kind: 'baseline',
      features: {
        x: numericalProfile(Array.from({ length: 5000 }, () => r.normal())),
        c: categoricalProfile(
          Array.from({ length: 5000 }, () => (['a', 'b', 'c'] as const)[Math.floor(r.u() * 3)]!),
        ),
      },
    }
    const edges = (reference.features.x as { edges: number[] }).edges
    // Uploaded before the drift service starts: its windows count over the baseline's bins.
    const ch = await connectClickHouse(config.clickhouse)
    try {
      await migrate(ch)
      await saveReference(ch, 'm1', 'v1', reference, 'test')
    } finally {
      await ch.close()
    }
    const proc = await start(config, [createRecorder, createDrift])
    const topics = [config.kafka.topics.predictions]
    const caughtUp = async () =>
      (await groupLag(kafka, config.drift.group_id, topics)) === 0 &&
      (await groupLag(kafka, config.recorder.group_id, topics)) === 0
    expect(await waitFor(caughtUp, 60_000)).toBe(true)

    // The query as the page has it, on this test's database.
    const page = readFileSync(fileURLToPath(new URL('../../../docs/analysts.md', import.meta.url)), 'utf8')
    const sql = /<!-- analysts: rewindow -->\n```sql\n([\s\S]*?)```/
      .exec(page)![1]!
      .replaceAll('vigil.', '{db:Identifier}.')
    type Day = { day: string; n: number; bin_counts: number[]; category_counts: Record<string, number> }
    const merged = async (feature: string) =>
      (await queryRows<Day>(proc.deps.ch, sql, { model: 'm1', feature })).map((d) => ({
        day: d.day,
        n: Number(d.n),
        bins: d.bin_counts.map(Number),
        categories: Object.fromEntries(Object.entries(d.category_counts).map(([k, v]) => [k, Number(v)])),
      }))
    const x = await merged('x')
    const c = await merged('c')
    const direct = await queryRows<{ day: string; n: number; bin: number; cat: string }>(
      proc.deps.ch,
      `SELECT toStartOfDay(event_time) AS day, count() AS n, arrayCount(e -> e < num_features['x'], {edges:Array(Float64)}) AS bin, cat_features['c'] AS cat
         FROM {db:Identifier}.predictions WHERE model_id = 'm1' GROUP BY day, bin, cat ORDER BY day, bin, cat`,
      { edges },
    )
    const days = [...new Set(direct.map((d) => d.day))]
    expect(days.length).toBe(2)
    expect(x.map((d) => d.day)).toEqual(days)
    for (const [i, day] of days.entries()) {
      const rows = direct.filter((d) => d.day === day)
      const total = rows.reduce((sum, d) => sum + Number(d.n), 0)
      expect(x[i]!.n).toBe(total)
      const bins = new Array<number>(edges.length + 1).fill(0)
      const cats: Record<string, number> = {}
      for (const d of rows) {
        bins[Number(d.bin)]! += Number(d.n)
        cats[d.cat] = (cats[d.cat] ?? 0) + Number(d.n)
      }
      expect(x[i]!.bins).toEqual(bins)
      expect(c[i]!.categories).toEqual(cats)
    }
  })
})
