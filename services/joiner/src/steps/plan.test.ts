import { DLQ_HEADERS, type Write } from '@vigil/kafka'
import { makeLabel } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { storedPrediction } from '../../test/fixtures.js'
import { type IncomingLabel, predictionKey } from './join.js'
import { planLabels } from './plan.js'

const NOW = Date.UTC(2026, 10, 26)
const DAY = 86_400_000
const topics = { labels: 'vigil.labels', outcomes: 'vigil.outcomes', dlq: 'vigil.dlq' }

function label(i: number, arrivedAt = NOW - 1000, attempts = 0): IncomingLabel {
  const event = makeLabel(i)
  return { event, partition: 2, offset: String(100 + i), arrivedAt, raw: JSON.stringify(event), attempts }
}

const stored = (i: number) => storedPrediction(i, { prediction: { label: 'ok' }, attributes: {} })

const lookup = (...ids: number[]) => ({
  predictions: new Map(ids.map((i) => [predictionKey(`model-${i % 3}`, `p-${i}`), stored(i)])),
  joined: new Map(),
})
const where = (w: Write) => ('table' in w ? w.table.name : w.topic)
const statuses = (w: Write | undefined) =>
  w && 'table' in w ? w.rows.map((r) => (r as { status: string }).status) : []

describe('joiner plan', () => {
  it('a batch: outcome rows, then the outcomes topic, then the labels left waiting', () => {
    const plan = planLabels([label(1), label(2)], lookup(1), {
      now: NOW,
      horizonMs: 7 * DAY,
      retryIntervalMs: 60_000,
      retried: false,
      topics,
    })
    expect(plan.writes.map(where)).toEqual(['outcomes', 'vigil.outcomes', 'pending_labels'])
    expect(statuses(plan.writes[2])).toEqual(['waiting'])
  })

  it('a label past the horizon goes to the DLQ with the reason and ends as expired', () => {
    const plan = planLabels([label(5, NOW - 8 * DAY)], lookup(), {
      now: NOW,
      horizonMs: 7 * DAY,
      retryIntervalMs: 60_000,
      retried: true,
      topics,
    })
    expect(plan.writes.map(where)).toEqual(['vigil.dlq', 'pending_labels'])
    const dlq = plan.writes[0]!
    if ('table' in dlq) throw new Error('DLQ first')
    expect(dlq.messages[0]!.headers).toMatchObject({
      [DLQ_HEADERS.step]: 'join',
      [DLQ_HEADERS.partition]: '2',
      [DLQ_HEADERS.offset]: '105',
      [DLQ_HEADERS.time]: new Date(NOW).toISOString(),
    })
    expect(String(dlq.messages[0]!.headers?.[DLQ_HEADERS.reason])).toMatch(/no prediction p-5/)
    expect(statuses(plan.writes[1])).toEqual(['expired'])
  })

  it('a retried label that finds its prediction ends as joined; one still missing waits longer', () => {
    const plan = planLabels([label(1), label(2)], lookup(1), {
      now: NOW,
      horizonMs: 7 * DAY,
      retryIntervalMs: 60_000,
      retried: true,
      topics,
    })
    expect(plan.writes.map(where)).toEqual(['outcomes', 'vigil.outcomes', 'pending_labels'])
    expect(statuses(plan.writes[2])).toEqual(['waiting', 'joined'])
    // Planned twice from the same lookups: the same writes, so a retry is deduplicated.
    expect(
      planLabels([label(1), label(2)], lookup(1), {
        now: NOW,
        horizonMs: 7 * DAY,
        retryIntervalMs: 60_000,
        retried: true,
        topics,
      }).writes,
    ).toEqual(plan.writes)
  })

  it('a label that keeps waiting is looked up less and less often: the interval doubles up to an hour', () => {
    const due: number[] = []
    let l = label(2)
    let now = NOW
    for (let i = 0; i < 9; i++) {
      const plan = planLabels([l], lookup(), {
        now,
        horizonMs: 7 * DAY,
        retryIntervalMs: 60_000,
        retried: i > 0,
        topics,
      })
      const w = plan.writes.at(-1)!
      if (!('table' in w)) throw new Error('pending_labels last')
      const row = w.rows[0] as { attempts: number; seq: number; next_attempt: string }
      expect([row.attempts, row.seq]).toEqual([i + 1, i + 1])
      const next = Date.parse(`${row.next_attempt.replace(' ', 'T')}Z`)
      due.push((next - now) / 60_000)
      l = { ...l, attempts: row.attempts }
      now = next
    }
    expect(due).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60])
    // Never past the horizon, when the label expires.
    const late = planLabels([label(3, NOW - 7 * DAY + 60_000, 20)], lookup(), {
      now: NOW,
      horizonMs: 7 * DAY,
      retryIntervalMs: 60_000,
      retried: true,
      topics,
    }).writes.at(-1)!
    if (!('table' in late)) throw new Error('pending_labels last')
    expect((late.rows[0] as { next_attempt: string }).next_attempt).toBe('2026-11-26 00:01:00.000')
  })
})
