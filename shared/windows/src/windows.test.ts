import { describe, expect, it } from 'vitest'
import { BottomK, hash53 } from './sample.js'
import { type Aggregator, type ClosedWindow, PartitionWindows } from './windows.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const spec = { sizeMs: 60 * MIN, allowedLatenessMs: 5 * MIN, idleTimeoutMs: 30_000 }

/** Collects event ids: enough to see which window got which event. */
const ids: Aggregator<string, string[]> = {
  create: () => [],
  add: (s, e, _t, record) => void (record && s.push(e)),
  toJSON: (s) => s,
  fromJSON: (j) => [...(j as string[])],
  fork: () => [],
}

function summary(closed: ClosedWindow<string[]>[]) {
  return closed.map((w) => ({
    key: w.key,
    start: (w.start - T0) / MIN,
    events: w.state,
    late: w.lateEvents,
    by: w.closedBy,
  }))
}

describe('PartitionWindows', () => {
  it('keeps counting the idle timeout across a snapshot and restore', () => {
    const w = new PartitionWindows(spec, ids)
    w.add('m', T0, 'a', 1_000)
    const restored = PartitionWindows.restore(spec, ids, w.snapshot(), 500_000)
    expect(restored.idleDue(1_000 + 29_999)).toBe(false)
    expect(restored.idleDue(1_000 + 30_000)).toBe(true)
    const { lastEventWallTime: _, ...old } = w.snapshot()
    expect(PartitionWindows.restore(spec, ids, old, 500_000).idleDue(500_000 + 29_999)).toBe(false)
  })

  it('a fork is fed and closed while the original stays as it was; its windows hold what it was fed', () => {
    const w = new PartitionWindows(spec, ids)
    w.add('m', T0, 'a', 0)
    const c = w.fork()
    expect(summary(c.add('m', T0 + 65 * MIN, 'b', 0))).toEqual([
      { key: 'm', start: 0, events: [], late: 0, by: 'watermark' },
    ])
    c.add('m', T0 + 66 * MIN, 'c', 0)
    c.add('m', T0 + 66 * MIN, 'replayed', 0, false)
    expect(w.openWindows()).toBe(1)
    expect(w.snapshot()).toEqual(PartitionWindows.restore(spec, ids, w.snapshot()).snapshot())
    expect(summary(w.closeIdle(60_000))).toEqual([{ key: 'm', start: 0, events: ['a'], late: 0, by: 'idle' }])
    expect(c.idleDue(60_000)).toBe(true)
    expect(summary(c.fork().closeIdle(60_000))).toEqual([
      { key: 'm', start: 60, events: [], late: 0, by: 'idle' },
    ])
    expect(summary(c.closeIdle(60_000))).toEqual([
      { key: 'm', start: 60, events: ['b', 'c'], late: 0, by: 'idle' },
    ])
  })

  it('puts [start, end) boundaries right and closes when the watermark passes the end', () => {
    const w = new PartitionWindows(spec, ids)
    expect(w.add('m', T0, 'a', 0)).toEqual([])
    expect(w.add('m', T0 + 60 * MIN - 1, 'b', 0)).toEqual([]) // last millisecond of the first window
    expect(w.add('m', T0 + 60 * MIN, 'c', 0)).toEqual([]) // next window; watermark 10:55
    expect(w.add('m', T0 + 64 * MIN, 'd', 0)).toEqual([]) // watermark 10:59, not yet
    expect(summary(w.add('m', T0 + 65 * MIN, 'e', 0))).toEqual([
      { key: 'm', start: 0, events: ['a', 'b'], late: 0, by: 'watermark' },
    ])
    expect(w.openWindows()).toBe(1)
  })

  it('accepts out-of-order events within the allowed lateness', () => {
    const w = new PartitionWindows(spec, ids)
    w.add('m', T0 + 10 * MIN, 'a', 0)
    w.add('m', T0 + 62 * MIN, 'b', 0) // watermark 10:57: the first window is still open
    w.add('m', T0 + 30 * MIN, 'late-but-allowed', 0)
    expect(summary(w.add('m', T0 + 66 * MIN, 'c', 0))[0]!.events).toEqual(['a', 'late-but-allowed'])
  })

  it('counts events beyond the lateness and never changes a closed window', () => {
    const w = new PartitionWindows(spec, ids)
    w.add('m', T0, 'a', 0)
    w.add('m', T0 + 70 * MIN, 'b', 0) // closes 10:00-11:00
    expect(w.add('m', T0 + 5 * MIN, 'too-late', 0)).toEqual([])
    expect(w.add('m', T0 + 20 * MIN, 'too-late-2', 0)).toEqual([])
    const next = summary(w.add('m', T0 + 130 * MIN, 'c', 0))
    expect(next).toEqual([{ key: 'm', start: 60, events: ['b'], late: 2, by: 'watermark' }])
  })

  it('closes a quiet partition after the idle timeout of wall time, then treats its events as late', () => {
    const w = new PartitionWindows(spec, ids)
    w.add('m', T0 + 50 * MIN, 'a', 1_000)
    w.add('m', T0 + 61 * MIN, 'b', 1_000)
    expect(w.closeIdle(20_000)).toEqual([]) // idle 19 s < 30 s
    expect(summary(w.closeIdle(31_000))).toEqual([
      { key: 'm', start: 0, events: ['a'], late: 0, by: 'idle' },
      { key: 'm', start: 60, events: ['b'], late: 0, by: 'idle' },
    ])
    expect(w.add('m', T0 + 62 * MIN, 'after-idle-close', 40_000)).toEqual([])
    expect(summary(w.add('m', T0 + 200 * MIN, 'c', 50_000))).toEqual([])
    expect(summary(w.closeIdle(90_000))[0]).toMatchObject({ start: 180, events: ['c'], late: 1 })
  })

  it('closes every model’s windows on a shared partition as the partition’s time advances', () => {
    const w = new PartitionWindows(spec, ids)
    w.add('quiet', T0 + 1 * MIN, 'q', 0)
    w.add('busy', T0 + 2 * MIN, 'b1', 0)
    const closed = summary(w.add('busy', T0 + 66 * MIN, 'b2', 0))
    expect(closed).toEqual([
      { key: 'busy', start: 0, events: ['b1'], late: 0, by: 'watermark' },
      { key: 'quiet', start: 0, events: ['q'], late: 0, by: 'watermark' },
    ])
  })

  it('gives identical results after a snapshot and restore at any point', () => {
    const events = Array.from({ length: 400 }, (_, i) => ({
      key: `m${i % 3}`,
      // mostly ordered, some out of order, a few very late
      t: T0 + i * 1.7 * MIN + (i % 11 === 0 ? -40 * MIN : 0) + (i % 97 === 0 ? -400 * MIN : 0),
      id: `e${i}`,
    }))
    const run = (cut?: number) => {
      let w = new PartitionWindows(spec, ids)
      const out: ClosedWindow<string[]>[] = []
      events.forEach((e, i) => {
        if (i === cut) w = PartitionWindows.restore(spec, ids, JSON.parse(JSON.stringify(w.snapshot())))
        out.push(...w.add(e.key, e.t, e.id, 0))
      })
      return JSON.stringify(out)
    }
    const uninterrupted = run()
    for (const cut of [0, 1, 57, 200, 399]) expect(run(cut)).toBe(uninterrupted)
  })
})

describe('PartitionWindows.mayClose', () => {
  it('is never false for a batch that closes a window', () => {
    // Batches cut from a stream with out-of-order, late and far-future events, and idle closes.
    let seed = 7
    const random = () => {
      seed = (seed * 48271) % 2147483647
      return seed / 2147483647
    }
    const w = new PartitionWindows(spec, ids)
    let t = T0
    let closing = 0
    for (let b = 0; b < 2_000; b++) {
      const batch = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => {
        t += random() * 20 * MIN
        const jitter = random() < 0.2 ? -random() * 90 * MIN : random() < 0.02 ? random() * 300 * MIN : 0
        return { key: `m${i % 2}`, t: t + jitter }
      })
      const times = batch.map((e) => e.t)
      const predicted = w.mayClose(Math.min(...times), Math.max(...times))
      const fork = w.fork()
      const closed = batch.flatMap((e) => fork.add(e.key, e.t, 'x', 0))
      if (closed.length > 0) {
        closing++
        expect(predicted).toBe(true)
      }
      for (const e of batch) w.add(e.key, e.t, 'x', 0)
      if (random() < 0.05) w.closeIdle(Number.MAX_SAFE_INTEGER)
    }
    expect(closing).toBeGreaterThan(100)
  })

  it('is false when the batch does not move the clock, or not past the earliest end', () => {
    const w = new PartitionWindows(spec, ids)
    w.add('m', T0 + 10 * MIN, 'a', 0)
    expect(w.mayClose(T0, T0 + 10 * MIN)).toBe(false)
    expect(w.mayClose(T0, T0 + 64 * MIN)).toBe(false)
    expect(w.mayClose(T0, T0 + 65 * MIN)).toBe(true)
  })
})

describe('BottomK', () => {
  const hashOf = (i: number) => hash53(`p-${i}`)

  it('keeps the k values with the smallest hashes: the same sample however the stream is cut', () => {
    const whole = new BottomK(100)
    for (let i = 0; i < 10_000; i++) whole.add(hashOf(i), i)
    const parts = [0, 1_234, 5_000, 9_999, 10_000].slice(1).map((end, j, ends) => {
      const part = new BottomK(100)
      for (let i = j === 0 ? 0 : ends[j - 1]!; i < end; i++) part.add(hashOf(i), i)
      return part.take()
    })
    const merged = new BottomK(100)
    for (const p of parts) for (const [i, h] of p.hashes.entries()) merged.add(h, p.values[i]!)
    expect(whole.take().values).toHaveLength(100)
    expect(merged.take()).toEqual(whole.take())
  })

  it('equals sorting every (hash, value) pair and keeping k, ties on the hash included', () => {
    // Few distinct hashes, so many ties: the k-th hash repeats and the value decides.
    const pairs = Array.from({ length: 5_000 }, (_, i): [number, number] => [hashOf(i % 700), (i * 37) % 101])
    const s = new BottomK(250)
    for (const [h, v] of pairs) s.add(h, v)
    const expected = [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, 250)
    expect(s.take()).toEqual({ hashes: expected.map((p) => p[0]), values: expected.map((p) => p[1]) })
  })

  it('gives the same pairs unordered as ordered', () => {
    const s = new BottomK(100)
    for (let i = 0; i < 1_000; i++) s.add(hashOf(i % 300), i % 7)
    const byPair = (p: { hashes: number[]; values: number[] }) =>
      p.hashes.map((h, i) => [h, p.values[i]!] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
    const unordered = s.pairs()
    expect(unordered.values).toHaveLength(100)
    expect(byPair(unordered)).toEqual(byPair(s.take()))
  })

  it('holds everything while it has fewer than k, ordered by hash', () => {
    const s = new BottomK(10)
    for (const i of [3, 1, 2]) s.add(hashOf(i), i)
    const { hashes, values } = s.take()
    expect(values.sort()).toEqual([1, 2, 3])
    expect([...hashes].sort((a, b) => a - b)).toEqual(hashes)
  })

  it('is roughly uniform, and hashes are exact integers below 2^53', () => {
    const r = new BottomK(2000)
    for (let i = 0; i < 100_000; i++) r.add(hashOf(i), i)
    const { hashes, values } = r.take()
    const mean = values.reduce((s, v) => s + v, 0) / values.length
    expect(Math.abs(mean - 50_000)).toBeLessThan(3000)
    expect(hashes.every((h) => Number.isSafeInteger(h) && h >= 0)).toBe(true)
  })
})
