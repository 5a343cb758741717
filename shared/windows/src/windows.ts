/** How windows are cut and when they close. Times in milliseconds. */
export interface WindowSpec {
  /** Tumbling window length: [start, start + size), aligned to the Unix epoch. */
  sizeMs: number
  /** How far behind the newest event time an event may arrive and still count. */
  allowedLatenessMs: number
  /** Wall time without events after which a partition's windows close anyway. */
  idleTimeoutMs: number
}

/**
 * Bounded state of one open window: created empty, fed events, serialisable. Memory must not
 * grow with the number of events (histograms, counts, fixed-size samples).
 */
export interface Aggregator<E, S> {
  create(key: string, start: number): S
  /**
   * Adds an event. `record` false: the event's contribution is stored already (a replay after a
   * crash), so only what it decides about the window itself is kept (e.g. a feature's type).
   */
  add(state: S, event: E, eventTime: number, record: boolean): void
  toJSON(state: S): unknown
  fromJSON(json: unknown): S
  /**
   * The same window with nothing added: what is added to it is what a batch adds (a stage writes
   * that as a partial state and forgets it). Adding to it leaves `state` as it was.
   */
  fork(state: S): S
}

export interface ClosedWindow<S> {
  key: string
  start: number
  end: number
  state: S
  /** Events of this key that arrived after their window had closed, since the key's last close. */
  lateEvents: number
  closedBy: 'watermark' | 'idle'
}

interface Open<S> {
  key: string
  start: number
  state: S
}

export interface WindowsSnapshot {
  maxEventTime: number
  idleClosedThrough: number
  /** Wall time of the last event: the idle timeout keeps counting across a restart. */
  lastEventWallTime?: number
  open: { key: string; start: number; state: unknown }[]
  late: [string, number][]
}

/** Start of the window holding `t`. */
export function windowStart(t: number, sizeMs: number): number {
  return Math.floor(t / sizeMs) * sizeMs
}

/**
 * The windows of one Kafka partition (many keys, e.g. models, share it).
 *
 * - Watermark = highest event time seen − allowed lateness. A window closes when the watermark
 *   reaches its end. Closing depends only on the events, in offset order, so replaying the same
 *   events from a snapshot closes the same windows with the same contents.
 * - An event whose window has closed is late: it is counted (reported with the key's next
 *   closed window) and never changes a published window.
 * - `closeIdle` closes every open window once the partition has had no events for the idle
 *   timeout of wall time, so a quiet partition still gets its windows; windows it closed count
 *   as closed for late events too.
 */
export class PartitionWindows<E, S> {
  private maxEventTime = Number.NEGATIVE_INFINITY
  /** Windows ending at or before this were closed by `closeIdle`. */
  private idleClosedThrough = Number.NEGATIVE_INFINITY
  private readonly open = new Map<string, Open<S>>()
  private readonly late = new Map<string, number>()
  private lastEventWallTime = 0
  /** The smallest end of an open window (Infinity when none), so most events skip the close scan. */
  private earliestEnd = Number.POSITIVE_INFINITY

  constructor(
    private readonly spec: WindowSpec,
    private readonly aggregator: Aggregator<E, S>,
  ) {}

  watermark(): number {
    return Math.max(this.maxEventTime - this.spec.allowedLatenessMs, this.idleClosedThrough)
  }

  /** Number of open windows (memory is bounded by this times the aggregator's state size). */
  openWindows(): number {
    return this.open.size
  }

  /**
   * Adds one event; returns the windows that this event's progress closed, oldest first. With
   * `record` false the event moves the clock and opens its window, but is not added to it.
   */
  add(key: string, eventTime: number, event: E, wallTime = Date.now(), record = true): ClosedWindow<S>[] {
    this.lastEventWallTime = wallTime
    const start = windowStart(eventTime, this.spec.sizeMs)
    const end = start + this.spec.sizeMs
    const id = `${start}\u0000${key}`
    let window = this.open.get(id)
    if (!window) {
      if (end <= this.watermark()) {
        this.late.set(key, (this.late.get(key) ?? 0) + 1)
        return []
      }
      window = { key, start, state: this.aggregator.create(key, start) }
      this.open.set(id, window)
      this.earliestEnd = Math.min(this.earliestEnd, end)
    }
    this.aggregator.add(window.state, event, eventTime, record)
    if (eventTime > this.maxEventTime) {
      this.maxEventTime = eventTime
      return this.closeThrough(this.watermark(), 'watermark')
    }
    return []
  }

  /**
   * Whether events with times in [minTime, maxTime] could close a window: a cheap test that lets
   * a caller skip replaying a batch that closes nothing. False is certain; true is only possible.
   * A close needs the clock to move (maxTime above every time seen) and the watermark to reach
   * the earliest end among the open windows and those the events would open. (An idle close
   * leaves no open window ending at or before its watermark, so that part of the watermark never
   * closes anything an event opens.)
   */
  mayClose(minTime: number, maxTime: number): boolean {
    if (maxTime <= this.maxEventTime) return false
    const earliest = Math.min(this.earliestEnd, windowStart(minTime, this.spec.sizeMs) + this.spec.sizeMs)
    return maxTime - this.spec.allowedLatenessMs >= earliest
  }

  /**
   * After `idleTimeoutMs` of wall time without events, closes every open window: a quiet
   * partition still gets its windows, and whatever arrives for them later counts as late.
   */
  closeIdle(wallTime = Date.now()): ClosedWindow<S>[] {
    if (!this.idleDue(wallTime)) return []
    const closed = this.closeThrough(Number.POSITIVE_INFINITY, 'idle')
    if (closed.length > 0)
      this.idleClosedThrough = Math.max(this.idleClosedThrough, ...closed.map((w) => w.end))
    return closed
  }

  private closeThrough(watermark: number, closedBy: ClosedWindow<S>['closedBy']): ClosedWindow<S>[] {
    // Hot path: most events advance the watermark without reaching any window's end.
    if (watermark < this.earliestEnd) return []
    const due = [...this.open.entries()].filter(([, w]) => w.start + this.spec.sizeMs <= watermark)
    due.sort(([, a], [, b]) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    const closed = due.map(([id, w]) => {
      this.open.delete(id)
      const lateEvents = this.late.get(w.key) ?? 0
      this.late.delete(w.key)
      return {
        key: w.key,
        start: w.start,
        end: w.start + this.spec.sizeMs,
        state: w.state,
        lateEvents,
        closedBy,
      }
    })
    this.earliestEnd = this.computeEarliestEnd()
    return closed
  }

  private computeEarliestEnd(): number {
    let end = Number.POSITIVE_INFINITY
    for (const w of this.open.values()) end = Math.min(end, w.start + this.spec.sizeMs)
    return end
  }

  /**
   * A copy with the same clock and open windows, each forked empty (`Aggregator.fork`): fed a
   * batch, its windows hold what the batch added, while this one stays as it was. A pure stage
   * plans on forks and keeps the original until the plan's writes are durable.
   */
  fork(): PartitionWindows<E, S> {
    const w = new PartitionWindows(this.spec, this.aggregator)
    w.maxEventTime = this.maxEventTime
    w.idleClosedThrough = this.idleClosedThrough
    w.lastEventWallTime = this.lastEventWallTime
    w.earliestEnd = this.earliestEnd
    for (const [id, o] of this.open) w.open.set(id, { ...o, state: this.aggregator.fork(o.state) })
    for (const [k, n] of this.late) w.late.set(k, n)
    return w
  }

  /** The open windows and their states (a fork's hold what was added to it), oldest first. */
  openStates(): { key: string; start: number; end: number; state: S }[] {
    return [...this.open.values()]
      .sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((w) => ({ key: w.key, start: w.start, end: w.start + this.spec.sizeMs, state: w.state }))
  }

  /** Whether `closeIdle` at this wall time would close anything. */
  idleDue(wallTime = Date.now()): boolean {
    return this.open.size > 0 && wallTime - this.lastEventWallTime >= this.spec.idleTimeoutMs
  }

  snapshot(): WindowsSnapshot {
    return {
      maxEventTime: this.maxEventTime,
      idleClosedThrough: this.idleClosedThrough,
      lastEventWallTime: this.lastEventWallTime,
      open: [...this.open.values()].map((w) => ({
        key: w.key,
        start: w.start,
        state: this.aggregator.toJSON(w.state),
      })),
      late: [...this.late.entries()],
    }
  }

  static restore<E, S>(
    spec: WindowSpec,
    aggregator: Aggregator<E, S>,
    snap: WindowsSnapshot,
    wallTime = Date.now(),
  ): PartitionWindows<E, S> {
    const w = new PartitionWindows(spec, aggregator)
    // A checkpoint without it (written before it was kept) counts as quiet since the restore, not
    // since 1970: otherwise every restored window would close as idle at once.
    w.lastEventWallTime = snap.lastEventWallTime ?? wallTime
    w.maxEventTime = snap.maxEventTime ?? Number.NEGATIVE_INFINITY
    w.idleClosedThrough = snap.idleClosedThrough ?? Number.NEGATIVE_INFINITY
    for (const o of snap.open)
      w.open.set(`${o.start}\u0000${o.key}`, {
        key: o.key,
        start: o.start,
        state: aggregator.fromJSON(o.state),
      })
    for (const [k, n] of snap.late) w.late.set(k, n)
    w.earliestEnd = w.computeEarliestEnd()
    return w
  }
}
