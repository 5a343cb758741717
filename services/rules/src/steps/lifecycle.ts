import { createHash } from 'node:crypto'
import type { Observation } from './observe.js'

export type AlertStatus = 'inactive' | 'pending' | 'firing'

/** Everything an alert needs to resume after a restart; stored as JSON in `alerts.state`. */
export interface AlertState {
  key: string
  rule: string
  modelId: string
  modelVersion: string
  subject: string
  status: AlertStatus
  /** Consecutive breached windows, the last evaluated one included. */
  streak: number
  /** The streak before the last evaluated window: a re-published window is judged again from it. */
  streakBefore: number
  lastWindowStart: number
  lastVersion: number
  value: number | null
  /** The firing episode: set on firing, kept until resolved. */
  episode: string | null
  /** Window start of the episode's first firing window. */
  since: number | null
  /** Window end (event time) of the last firing or repeat notification. */
  lastNotifiedAt: number | null
  /** The firing notification per target (`slack:#c`, `email:a`, …) of the current episode. */
  firingNotices: Record<string, string>
}

/** A change worth telling someone about; `pending` and `cleared` are recorded but not notified. */
export type Transition = 'pending' | 'cleared' | 'firing' | 'repeat' | 'resolved'

export interface Step {
  state: AlertState
  /** undefined: nothing changed worth recording (still inactive, or still firing before a repeat). */
  transition?: Transition
  /** The episode the transition belongs to (for `resolved`, the one that just ended). */
  episode?: string
}

function episodeId(key: string, windowStart: number): string {
  return createHash('sha1').update(`${key}\u0000${windowStart}`).digest('hex').slice(0, 20)
}

export function initialState(o: Observation): AlertState {
  return {
    key: o.key,
    rule: o.rule.name,
    modelId: o.modelId,
    modelVersion: o.modelVersion,
    subject: o.subject,
    status: 'inactive',
    streak: 0,
    streakBefore: 0,
    lastWindowStart: Number.NEGATIVE_INFINITY,
    lastVersion: 0,
    value: null,
    episode: null,
    since: null,
    lastNotifiedAt: null,
    firingNotices: {},
  }
}

/**
 * The lifecycle `inactive → pending → firing → resolved (inactive)` as a pure step per window.
 * Windows are judged in event-time order: an older window, or the same window again at a version
 * not higher than the last, changes nothing, which also makes a replay after a crash harmless.
 * A window re-published at a higher version is judged again in place of its earlier version.
 * Repeats are timed in event time (window ends), so a replay or a backfill repeats the same way.
 */
export function step(prev: AlertState | undefined, o: Observation, repeatIntervalMs: number): Step {
  const s = prev ?? initialState(o)
  if (o.breached === undefined) return { state: s }
  if (o.windowStart < s.lastWindowStart) return { state: s }
  const again = o.windowStart === s.lastWindowStart
  if (again && o.version <= s.lastVersion) return { state: s }
  const before = again ? s.streakBefore : s.streak
  const next: AlertState = {
    ...s,
    streakBefore: before,
    lastWindowStart: o.windowStart,
    lastVersion: o.version,
    value: o.value,
  }
  if (!o.breached) {
    next.streak = 0
    if (s.status === 'firing') {
      return {
        state: {
          ...next,
          status: 'inactive',
          episode: null,
          since: null,
          lastNotifiedAt: null,
          firingNotices: {},
        },
        transition: 'resolved',
        episode: s.episode!,
      }
    }
    if (s.status === 'pending') return { state: { ...next, status: 'inactive' }, transition: 'cleared' }
    return { state: next }
  }
  next.streak = before + 1
  if (next.streak < o.rule.for) {
    return {
      state: { ...next, status: 'pending' },
      transition: s.status === 'pending' ? undefined : 'pending',
    }
  }
  if (s.status !== 'firing') {
    const episode = episodeId(s.key, o.windowStart)
    return {
      state: { ...next, status: 'firing', episode, since: o.windowStart, lastNotifiedAt: o.windowEnd },
      transition: 'firing',
      episode,
    }
  }
  if (s.lastNotifiedAt !== null && o.windowEnd - s.lastNotifiedAt >= repeatIntervalMs) {
    return { state: { ...next, lastNotifiedAt: o.windowEnd }, transition: 'repeat', episode: s.episode! }
  }
  return { state: next }
}
