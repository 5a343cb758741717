import { z } from 'zod'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `90s`, `5m`, `1h`, `1d` (or a number of milliseconds) → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) return undefined
  return Math.round(Number(m[1]) * UNITS[m[2]!]!)
}

/** A duration setting: a string like `5m`, or milliseconds; bounded to [min, max]. */
export function durationSetting(min: number, max: number) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : parseDuration(v)
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `not a duration: ${JSON.stringify(v)} (use e.g. 90s, 5m, 1h, 1d)`,
      })
      return z.NEVER
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${fmt(min)} and ${fmt(max)}` })
      return z.NEVER
    }
    return ms
  })
}

function fmt(ms: number): string {
  for (const [u, f] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % f === 0) return `${ms / f}${u}`
  }
  return `${ms}ms`
}
