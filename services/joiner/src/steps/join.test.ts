import { makeLabel } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { storedPrediction } from '../../test/fixtures.js'
import { type IncomingLabel, planJoin, predictionKey } from './join.js'

const NOW = Date.UTC(2026, 10, 26)
const DAY = 86_400_000

function incoming(i: number, offset: number, over: Partial<IncomingLabel> = {}): IncomingLabel {
  const event = makeLabel(i)
  return {
    event,
    partition: 0,
    offset: String(offset),
    arrivedAt: NOW - 1000,
    raw: JSON.stringify(event),
    attempts: 0,
    ...over,
  }
}

const stored = (i: number) => storedPrediction(i)

const found = (...ids: number[]) =>
  new Map(ids.map((i) => [predictionKey(`model-${i % 3}`, `p-${i}`), stored(i)]))

describe('planJoin', () => {
  it('joins a label to its prediction: the outcome carries both times, the prediction and the label', () => {
    const plan = planJoin([incoming(4, 10)], found(4), new Map(), NOW, 7 * DAY)
    expect(plan.outcomes.map((o) => o.outcome)).toEqual([
      {
        schema_version: 1,
        model_id: 'model-1',
        model_version: 'v1',
        prediction_id: 'p-4',
        prediction_time: '2026-11-24T10:00:00.400Z',
        label_time: '2026-11-25T10:00:00.400Z',
        prediction: { label: 'ok', score: 0.2 },
        attributes: { region: 'eu' },
        label: 'ok',
      },
    ])
  })

  it('counts a second label of a prediction as a duplicate, in the batch or after an earlier join', () => {
    const inBatch = planJoin(
      [incoming(4, 10), incoming(4, 11, { event: makeLabel(4, { label: 'fraud' }) })],
      found(4),
      new Map(),
      NOW,
      DAY,
    )
    expect(inBatch.outcomes.map((o) => o.outcome.label)).toEqual(['ok'])
    expect(inBatch.duplicates.map((l) => l.offset)).toEqual(['11'])
    const earlier = new Map([[predictionKey('model-1', 'p-4'), { partition: 2, offset: '5' }]])
    expect(planJoin([incoming(4, 10)], found(4), earlier, NOW, DAY).duplicates).toHaveLength(1)
  })

  it('joins again a label processed again after a crash (same message), so its outcome is not lost', () => {
    const before = new Map([[predictionKey('model-1', 'p-4'), { partition: 0, offset: '10' }]])
    expect(planJoin([incoming(4, 10)], found(4), before, NOW, DAY).outcomes).toHaveLength(1)
  })

  it('keeps a label without its prediction waiting until the horizon, then expires it with the reason', () => {
    expect(planJoin([incoming(5, 1)], found(), new Map(), NOW, DAY).waiting).toHaveLength(1)
    const late = planJoin([incoming(5, 1, { arrivedAt: NOW - 7 * DAY })], found(), new Map(), NOW, 7 * DAY)
    expect(late.expired.map((e) => e.reason)).toEqual([
      'no prediction p-5 of model model-2 arrived within 7 d of the label',
    ])
  })
})
