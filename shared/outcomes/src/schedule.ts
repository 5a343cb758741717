import {
  type ClickHouse,
  dedupToken,
  type RepublishedTable,
  runQuery,
  storedVersionsQuery,
  toClickHouseTime,
  WINDOW_SCHEDULE,
  waitingWindowsQuery,
  windowsParams,
} from '@vigil/clickhouse'
import type { MetricsMessage } from '@vigil/events'
import { type ModelWindow, windowKey } from './windows.js'

/**
 * When each window of one input partition may be recomputed: at most once per interval, however
 * many batches touch it. A window touched within the interval of its last computation waits
 * (durably, in `window_schedule`) and is computed by the first tick or batch after its due time.
 */
export interface Schedule {
  /** Windows touched since their last computation, with when they may be computed (durable). */
  waiting: ReadonlyMap<string, { window: ModelWindow; due: number }>
  /**
   * When each window was last computed (ms), only within the interval: in memory, so a restart
   * forgets it, which makes a window's next computation sooner, never later.
   */
  computed: ReadonlyMap<string, number>
}

export const emptySchedule = (): Schedule => ({ waiting: new Map(), computed: new Map() })

/** Of the windows a batch touches, those computed now: none computed within `intervalMs` of `now`. */
export function computeNow(
  s: Schedule,
  touched: readonly ModelWindow[],
  now: number,
  intervalMs: number,
): ModelWindow[] {
  return touched.filter((w) => {
    const last = s.computed.get(windowKey(w))
    return last === undefined || now - last >= intervalMs
  })
}

/** The waiting windows due at `now`, the earliest first. */
export function dueWindows(s: Schedule, now: number): ModelWindow[] {
  return [...s.waiting.values()]
    .filter((x) => x.due <= now)
    .sort((a, b) => a.due - b.due)
    .map((x) => x.window)
}

/** Where a schedule's rows belong: the consumer group and the input partition. */
export interface ScheduleOwner {
  group: string
  topic: string
  partition: number
}

/**
 * The schedule after computing `computed` at `now` and putting off the rest of `touched`, and the
 * write that makes the change durable (undefined when nothing waits or stops waiting).
 */
export function reschedule(
  s: Schedule,
  owner: ScheduleOwner,
  touched: readonly ModelWindow[],
  computed: readonly ModelWindow[],
  now: number,
  intervalMs: number,
): { next: Schedule; write?: ScheduleWrite } {
  const waiting = new Map(s.waiting)
  const times = new Map([...s.computed].filter(([, t]) => now - t < intervalMs))
  const rows: ScheduleRow[] = []
  const done = new Set<string>()
  for (const w of computed) {
    const k = windowKey(w)
    done.add(k)
    times.set(k, now)
    if (waiting.delete(k)) rows.push(row(owner, w, now, 'done', now))
  }
  for (const w of touched) {
    const k = windowKey(w)
    if (done.has(k) || waiting.has(k)) continue
    const due = (times.get(k) ?? now) + intervalMs
    waiting.set(k, { window: w, due })
    rows.push(row(owner, w, due, 'waiting', now))
  }
  const next = { waiting, computed: times }
  if (rows.length === 0) return { next }
  return {
    next,
    write: {
      table: WINDOW_SCHEDULE,
      rows,
      dedupToken: dedupToken(
        'schedule',
        rows.flatMap((r) => [r.model_id, r.model_version, r.window_start, r.status, r.due, String(r.seq)]),
      ),
    },
  }
}

type ScheduleRow = NonNullable<(typeof WINDOW_SCHEDULE)['_row']>
export interface ScheduleWrite {
  table: typeof WINDOW_SCHEDULE
  rows: ScheduleRow[]
  dedupToken: string
}

function row(
  owner: ScheduleOwner,
  w: ModelWindow,
  due: number,
  status: 'waiting' | 'done',
  now: number,
): ScheduleRow {
  return {
    consumer_group: owner.group,
    topic: owner.topic,
    partition: owner.partition,
    model_id: w.modelId,
    model_version: w.modelVersion,
    window_start: toClickHouseTime(w.start),
    window_end: toClickHouseTime(w.end),
    due: toClickHouseTime(due),
    status,
    seq: now,
  }
}

/** A partition's schedule as ClickHouse holds it: its waiting windows (nothing counts as computed yet). */
export async function loadSchedule(ch: ClickHouse, owner: ScheduleOwner): Promise<Schedule> {
  const rows = await runQuery(ch, waitingWindowsQuery, owner)
  const waiting = new Map<string, { window: ModelWindow; due: number }>()
  for (const r of rows) {
    const window = {
      modelId: r.model_id,
      modelVersion: r.model_version,
      start: Date.parse(r.window_start),
      end: Date.parse(r.window_end),
    }
    waiting.set(windowKey(window), { window, due: Date.parse(r.due) })
  }
  return { waiting, computed: new Map() }
}

/**
 * What `read` found for each window computed now, by {@link windowKey}; undefined when it found
 * nothing (the window counts as computed and publishes nothing, rather than waiting forever).
 * `stored`: the window's table already holds its rows at this reading's version (a replay), so
 * the plan publishes the window without inserting its rows again.
 */
export type Readings<R> = ReadonlyMap<
  string,
  { window: ModelWindow; reading: R | undefined; stored?: boolean }
>

/** Where a family's rows are stored, and the version and signature a reading would write. */
export interface StoredRows<R> {
  table: RepublishedTable
  of: (reading: R) => { version: number; signature: number }
}

/** What one read of all the windows found, each window with its reading and whether it is stored. */
async function readAll<R>(
  ch: ClickHouse,
  windows: readonly ModelWindow[],
  read: (ws: readonly ModelWindow[]) => Promise<ReadonlyMap<string, R>>,
  stored: StoredRows<R>,
): Promise<Readings<R>> {
  const out = new Map<string, { window: ModelWindow; reading: R | undefined; stored?: boolean }>()
  if (windows.length === 0) return out
  const found = await read(windows)
  const withReadings = windows.filter((w) => found.has(windowKey(w)))
  const versions = new Set<string>()
  if (withReadings.length > 0)
    for (const r of await runQuery(ch, storedVersionsQuery, {
      ...windowsParams(withReadings),
      table: stored.table,
    }))
      versions.add(`${r.window}\u001f${r.version}\u001f${r.signature}`)
  for (const window of windows) {
    const reading = found.get(windowKey(window))
    if (reading === undefined) {
      out.set(windowKey(window), { window, reading })
      continue
    }
    const { version, signature } = stored.of(reading)
    out.set(windowKey(window), {
      window,
      reading,
      stored: versions.has(`${windowKey(window)}\u001f${version}\u001f${signature}`),
    })
  }
  return out
}

export interface RecomputeContext {
  owner: ScheduleOwner
  now: number
  intervalMs: number
  metricsTopic: string
}

/** A window's rows: one insert into a table, with its deduplication token. */
export interface WindowRowsWrite {
  table: { name: string }
  rows: readonly object[]
  dedupToken: string
}

/**
 * The windows' rows as one insert per table, in order of the tables' first window. A fleet's tick
 * computes thousands of windows, and an insert each cost ~10 ms on the embedded engine. The token
 * is made of the windows' own tokens, so the same windows at the same versions insert an identical
 * block that is dropped. A replay that computes another set of windows would insert some rows
 * again, so the read marks the windows stored at their version and the plan leaves them out.
 */
export function oneInsertPerTable<W extends WindowRowsWrite>(writes: readonly W[]): W[] {
  const byTable = new Map<string, W[]>()
  for (const w of writes) byTable.set(w.table.name, [...(byTable.get(w.table.name) ?? []), w])
  return [...byTable.values()].map((ws) =>
    ws.length === 1
      ? ws[0]!
      : {
          ...ws[0]!,
          rows: ws.flatMap((w) => w.rows),
          dedupToken: dedupToken(
            `${ws[0]!.table.name}-windows`,
            ws.map((w) => w.dedupToken),
          ),
        },
  )
}

/**
 * The windows read computed, in time order — their rows in one insert per table (but for windows
 * already stored at their version), then one message per window on `vigil.metrics` — and the schedule for the rest of `touched`, written
 * with them so that a window put off is durable before the batch is committed. A tick passes no
 * touched windows.
 */
export function planRecompute<R, W extends WindowRowsWrite>(
  schedule: Schedule,
  touched: readonly ModelWindow[],
  readings: Readings<R>,
  ctx: RecomputeContext,
  compute: (w: ModelWindow, reading: R) => { write: W; message: MetricsMessage },
): {
  next: Schedule
  writes: (W | { topic: string; messages: { key: string; value: string }[] } | ScheduleWrite)[]
  windows: number
} {
  const computed = [...readings.values()].sort(
    (a, b) => a.window.start - b.window.start || a.window.modelId.localeCompare(b.window.modelId),
  )
  const rows: W[] = []
  const messages: { key: string; value: string }[] = []
  for (const { window, reading, stored } of computed) {
    if (reading === undefined) continue
    const { write, message } = compute(window, reading)
    if (!stored) rows.push(write)
    messages.push({ key: message.model_id, value: JSON.stringify(message) })
  }
  const writes: (W | { topic: string; messages: { key: string; value: string }[] } | ScheduleWrite)[] =
    oneInsertPerTable(rows)
  if (messages.length > 0) writes.push({ topic: ctx.metricsTopic, messages })
  const { next, write } = reschedule(
    schedule,
    ctx.owner,
    touched,
    computed.map((c) => c.window),
    ctx.now,
    ctx.intervalMs,
  )
  if (write) writes.push(write)
  return { next, writes, windows: messages.length }
}

/**
 * A recomputing stage's schedule hooks (the performance and fairness services): its partitions'
 * schedules loaded from ClickHouse, the windows of a batch or a tick computed by `read`, and the
 * context of their plans.
 */
export function republishing<R>(options: {
  ch: ClickHouse
  group: string
  intervalMs: number
  metricsTopic: string
  /** The windows' readings by {@link windowKey}, all in one go (a window with nothing to read may be absent). */
  read: (ws: readonly ModelWindow[]) => Promise<ReadonlyMap<string, R>>
  stored: StoredRows<R>
}) {
  const { ch, group, intervalMs, metricsTopic, read, stored } = options
  const owner = (tp: { topic: string; partition: number }): ScheduleOwner => ({ group, ...tp })
  return {
    load: (tp: { topic: string; partition: number }) => loadSchedule(ch, owner(tp)),
    /** The touched windows not computed within the interval, computed now. */
    readTouched: (s: Schedule, touched: readonly ModelWindow[]) =>
      readAll(ch, computeNow(s, touched, Date.now(), intervalMs), read, stored),
    /** The waiting windows whose interval has passed. */
    readDue: (s: Schedule) => readAll(ch, dueWindows(s, Date.now()), read, stored),
    context: (tp: { topic: string; partition: number }, now: number): RecomputeContext => ({
      owner: owner(tp),
      now,
      intervalMs,
      metricsTopic,
    }),
    tickEveryMs: Math.min(1000, Math.max(100, intervalMs)),
  }
}
