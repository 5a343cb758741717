import { LABELS, type TableDef } from '@vigil/clickhouse'
import type { Input, KafkaMessage } from '@vigil/kafka'
import { describe, expect, it } from 'vitest'
import { planRecord } from './plan.js'
import { type Provenance, toLabelRow, toPredictionRow } from './toRows.js'

const from = { topic: 'vigil.predictions', partition: 2, offset: '17' }

describe('toPredictionRow', () => {
  it('splits features by kind and keeps provenance', () => {
    const row = toPredictionRow(
      {
        schema_version: 1,
        prediction_id: 'p1',
        model_id: 'm',
        model_version: 'v1',
        timestamp: '2026-11-24T11:00:00.5+01:00',
        features: { amount: 1.5, country: 'DE', vip: false, age: null },
        prediction: { label: 'fraud', score: 0.9 },
        attributes: { region: 'eu', cohort: 3, unknown: null },
      },
      from,
    )
    expect(row).toEqual({
      model_id: 'm',
      model_version: 'v1',
      prediction_id: 'p1',
      event_time: '2026-11-24 10:00:00.500',
      num_features: { amount: 1.5 },
      cat_features: { country: 'DE', vip: 'false' },
      missing_features: ['age'],
      predicted_label: 'fraud',
      score: 0.9,
      probabilities: {},
      predicted_value: null,
      attributes: { region: 'eu', cohort: '3' },
      kafka_topic: 'vigil.predictions',
      kafka_partition: 2,
      kafka_offset: '17',
    })
  })
})

describe('toLabelRow', () => {
  it('keeps a numeric label as a number too', () => {
    const row = toLabelRow(
      {
        schema_version: 1,
        prediction_id: 'p1',
        model_id: 'm',
        timestamp: '2026-11-25T00:00:00Z',
        label: 41.5,
      },
      from,
    )
    expect(row).toMatchObject({ label: '41.5', label_value: 41.5, event_time: '2026-11-25 00:00:00.000' })
  })
})

const LABEL = { schema_version: 1, model_id: 'm', timestamp: '2026-11-25T00:00:00Z', label: 'a' } as const

function input(offset: number): Input<unknown> {
  return {
    topic: 't',
    partition: 1,
    offset: BigInt(offset),
    timestamp: 0,
    event: { ...LABEL, prediction_id: `p${offset}` },
    message: { offset: String(offset) } as KafkaMessage,
  }
}

describe('planRecord', () => {
  const opts = (lastOffset: bigint) => ({
    tp: { topic: 't', partition: 1 },
    lastOffset,
    table: LABELS as TableDef<object>,
    toRow: toLabelRow as (e: unknown, from: Provenance) => object,
    chunkRows: 2,
  })

  it('inserts in chunks named by their offset range, so the same messages give the same token', () => {
    const plan = planRecord({ storedThrough: 2n }, [3, 4, 9].map(input), opts(10n))
    expect(plan.writes.map((w) => ('table' in w ? [w.dedupToken, w.rows.length] : w.topic))).toEqual([
      ['t-1-3-4', 2],
      ['t-1-9-9', 1],
    ])
    const first = plan.writes[0]!
    expect('table' in first && first.rows[0]).toMatchObject({
      prediction_id: 'p3',
      kafka_partition: 1,
      kafka_offset: '3',
    })
    // The mark covers the whole batch, its invalid last message included.
    expect(plan.next.storedThrough).toBe(10n)
  })

  it('never moves the mark back', () => {
    expect(planRecord({ storedThrough: 20n }, [], opts(10n)).next.storedThrough).toBe(20n)
  })
})
