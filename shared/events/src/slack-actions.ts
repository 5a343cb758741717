// The buttons of a firing alert in Slack, between the rules service that renders them and the
// API that receives their clicks (`POST /v1/slack/interactions`): the action ids, and what a
// button's value says of the alert. Slack caps a value at 2,000 characters.

export const SLACK_ACTIONS = {
  acknowledge: 'vigil_acknowledge',
  silence: 'vigil_silence_2h',
} as const

/** How long the *Silence 2 h* button silences. */
export const SLACK_SILENCE_MS = 2 * 3_600_000

/** The alerts a button is about: a rule on a model, for one subject or `*` (all it fired for). */
export interface SlackAlertRef {
  rule: string
  model: string
  subject: string
}

export const slackActionValue = (ref: SlackAlertRef): string =>
  JSON.stringify({ r: ref.rule, m: ref.model, s: ref.subject })

/** A button's value as the alert it names, or undefined when it is none of vigil's. */
export function parseSlackActionValue(value: unknown): SlackAlertRef | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined
  try {
    const v = JSON.parse(value) as Record<string, unknown>
    const ok = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 256
    return ok(v.r) && ok(v.m) && ok(v.s) ? { rule: v.r, model: v.m, subject: v.s } : undefined
  } catch {
    return undefined
  }
}
