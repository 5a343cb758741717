import type { EventParser } from '@vigil/events'

export interface Rejected {
  /** Position of the record in the request (0-based). */
  index: number
  reason: string
}

export type Parsed<T> =
  | { ok: true; valid: { index: number; event: T }[]; rejected: Rejected[] }
  | { ok: false; error: string }

/**
 * A request body of events: a JSON array, NDJSON (one event per line), or one JSON object. Each record is checked
 * by the event schema on its own; the invalid ones are listed with their position and reason.
 */
export function parseEvents<T>(body: string, parser: EventParser<T>): Parsed<T> {
  const text = body.trim()
  if (text === '') return { ok: false, error: 'empty body: send a JSON array of events or NDJSON' }
  const valid: { index: number; event: T }[] = []
  const rejected: Rejected[] = []
  if (text.startsWith('[')) {
    let records: unknown
    try {
      records = JSON.parse(text)
    } catch (err) {
      return { ok: false, error: `invalid JSON: ${(err as Error).message}` }
    }
    for (const [index, record] of (records as unknown[]).entries()) {
      const r = parser.check(record)
      if (r.ok) valid.push({ index, event: r.value })
      else rejected.push({ index, reason: r.reason })
    }
  } else if (text.startsWith('{') && text.includes('\n') && isJsonObject(text)) {
    // One event, pretty-printed over several lines.
    const r = parser.parse(text)
    if (r.ok) valid.push({ index: 0, event: r.value })
    else rejected.push({ index: 0, reason: r.reason })
  } else {
    let index = 0
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      const r = parser.parse(line)
      if (r.ok) valid.push({ index, event: r.value })
      else rejected.push({ index, reason: r.reason })
      index++
    }
  }
  return { ok: true, valid, rejected }
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v)
  } catch {
    return false
  }
}
