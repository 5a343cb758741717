// The demo's traffic, streamed in event-time order: fraud-detector publishes to Kafka itself,
// churn-model has no Kafka client and posts to vigil's HTTP ingest. Invalid lines of the sample go
// to Kafka as they are, so the dead-letter topic shows them with their reasons.
import { readFileSync } from 'node:fs'
import { keyOf, type OutMessage, type VigilProducer } from '@vigil/kafka'

export interface Line {
  text: string
  /** Event time (epoch ms) of a line that parses and has a timestamp; else that of the line before. */
  time: number
  model: string | null
  valid: boolean
}

/** The sample file's lines, each with the event time it belongs to. */
export function readLines(file: string, valid: (text: string) => boolean): Line[] {
  let last = 0
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((text) => {
      let time = last
      try {
        const t = Date.parse((JSON.parse(text) as { timestamp?: string }).timestamp ?? '')
        if (Number.isFinite(t)) time = t
      } catch {
        // not JSON: it stays where it was in the file
      }
      last = time
      return { text, time, model: keyOf(text), valid: valid(text) }
    })
}

/** Lines in slots of `slotMs` of event time, in order. */
export function slots(lines: readonly Line[], slotMs: number): { from: number; lines: Line[] }[] {
  const bySlot = new Map<number, Line[]>()
  for (const l of [...lines].sort((a, b) => a.time - b.time)) {
    const from = Math.floor(l.time / slotMs) * slotMs
    const slot = bySlot.get(from)
    if (slot) slot.push(l)
    else bySlot.set(from, [l])
  }
  return [...bySlot.entries()].sort((a, b) => a[0] - b[0]).map(([from, ls]) => ({ from, lines: ls }))
}

export interface Ingest {
  url: string
  token: string
}

export interface Sent {
  kafka: number
  http: number
  rejected: { index: number; reason: string }[]
}

/** Posts NDJSON to the API and returns what it says; anything but 200 stops the demo. */
export async function postNdjson(
  ingest: Ingest,
  kind: 'predictions' | 'labels',
  lines: readonly string[],
): Promise<{ accepted: number; rejected: { index: number; reason: string }[] }> {
  const res = await fetch(`${ingest.url}/v1/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingest.token}`, 'content-type': 'application/x-ndjson' },
    body: lines.join('\n'),
  })
  const body = (await res.json()) as {
    accepted: number
    rejected: { index: number; reason: string }[]
    error?: string
  }
  if (res.status !== 200) throw new Error(`POST /v1/${kind} answered ${res.status}: ${body.error}`)
  return body
}

/**
 * Sends one slot: the HTTP model's valid lines to the API, everything else to Kafka (keyed by
 * model_id), and waits until both acknowledged.
 */
export async function sendSlot(
  lines: readonly Line[],
  kind: 'predictions' | 'labels',
  options: { httpModel: string; ingest: Ingest; producer: VigilProducer; topic: string },
): Promise<Sent> {
  const http = lines.filter((l) => l.valid && l.model === options.httpModel).map((l) => l.text)
  const kafka: OutMessage[] = lines
    .filter((l) => !(l.valid && l.model === options.httpModel))
    .map((l) => ({ key: l.model, value: l.text }))
  const [posted] = await Promise.all([
    http.length > 0 ? postNdjson(options.ingest, kind, http) : Promise.resolve({ accepted: 0, rejected: [] }),
    options.producer.send(options.topic, kafka),
  ])
  return { kafka: kafka.length, http: posted.accepted, rejected: posted.rejected }
}
