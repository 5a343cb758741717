import { parseDuration } from '@vigil/config'
import type { NewSilence, StoredSilence } from './queries/silences.js'

/** Longer than a year is a rule to change, not a silence. */
const MAX_SILENCE_MS = 366 * 86_400_000

/** A silence as asked for (`POST /v1/silences`, `vigil silence add`), defaults applied. */
export interface SilenceRequest {
  rule: string
  model: string
  subject: string
  /** How long from `starts_at` (or now): `30m`, `2h`, `1d`. Give this or `ends_at`. */
  duration?: string
  starts_at?: string
  ends_at?: string
  comment: string
  author: string
}

/** The silence to store, or why not; `now` is wall time. */
export function planSilence(
  r: SilenceRequest,
  now: number,
): { ok: true; silence: NewSilence } | { ok: false; error: string } {
  if ((r.duration === undefined) === (r.ends_at === undefined))
    return { ok: false, error: 'give either a duration or an end time' }
  const startsAt = r.starts_at === undefined ? now : Date.parse(r.starts_at)
  const length = r.duration === undefined ? undefined : parseDuration(r.duration)
  if (r.duration !== undefined && length === undefined)
    return {
      ok: false,
      error: `duration ${JSON.stringify(r.duration)}: expected a duration such as 30m, 2h or 1d`,
    }
  const endsAt = r.ends_at === undefined ? startsAt + length! : Date.parse(r.ends_at)
  if (Number.isNaN(startsAt) || Number.isNaN(endsAt))
    return { ok: false, error: 'times are RFC 3339, e.g. 2026-12-01T18:00:00Z' }
  if (endsAt <= now) return { ok: false, error: 'the silence ends in the past' }
  if (!(endsAt > startsAt)) return { ok: false, error: 'the silence ends before it starts' }
  if (endsAt - now > MAX_SILENCE_MS) return { ok: false, error: 'a silence lasts at most 366 days from now' }
  if (startsAt < now - MAX_SILENCE_MS) return { ok: false, error: 'a silence starts at most 366 days ago' }
  return {
    ok: true,
    silence: {
      rule: r.rule,
      modelId: r.model,
      subject: r.subject,
      startsAt,
      endsAt,
      comment: r.comment,
      author: r.author,
    },
  }
}

/** A silence as the API and the CLI show it. */
export function silenceJson(s: StoredSilence, now: number) {
  return {
    id: s.id,
    rule: s.rule,
    model_id: s.modelId,
    subject: s.subject,
    starts_at: new Date(s.startsAt).toISOString(),
    ends_at: new Date(s.endsAt).toISOString(),
    comment: s.comment,
    author: s.author,
    created_at: new Date(s.createdAt).toISOString(),
    active: s.startsAt <= now && now < s.endsAt,
  }
}

export type SilenceJson = ReturnType<typeof silenceJson>

/** The change that expires a silence now (one that has not started ends before it starts). */
export function expired(s: StoredSilence, now: number): StoredSilence {
  return { ...s, startsAt: Math.min(s.startsAt, now), endsAt: now }
}
