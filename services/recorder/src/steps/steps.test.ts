import { createEventParser } from '@vigil/events'
import type { KafkaMessage } from '@vigil/kafka'
import { describe, expect, it } from 'vitest'
import { routeBatch, toChunk } from './routeBatch.js'
import { toLabelRow, toPredictionRow } from './toRows.js'

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

function msg(offset: number, value: string): KafkaMessage {
  return {
    offset: String(offset),
    key: Buffer.from('m'),
    value: Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    headers: {},
  } as KafkaMessage
}

describe('routeBatch', () => {
  const parser = createEventParser('label')
  const label = (id: string) =>
    JSON.stringify({
      schema_version: 1,
      prediction_id: id,
      model_id: 'm',
      timestamp: '2026-11-25T00:00:00Z',
      label: 'a',
    })

  it('routes valid events to rows, invalid ones to the DLQ, and skips stored offsets', () => {
    const routed = routeBatch([msg(4, label('a')), msg(5, label('b')), msg(6, '{nope'), msg(7, label('c'))], {
      topic: 't',
      partition: 0,
      storedThrough: 4n,
      parser,
      toRow: toLabelRow,
    })
    expect(routed.skipped).toBe(1)
    expect(routed.rows.map((r) => r.offset)).toEqual(['5', '7'])
    expect(routed.rejected).toHaveLength(1)
    expect(routed.rejected[0]).toMatchObject({ code: 'invalid_json' })
    expect(routed.rejected[0]!.message.offset).toBe('6')
  })

  it('names an insert by its offset range, so the same messages give the same token', () => {
    const rows = [3, 4, 9].map((o) => ({ row: o, offset: String(o) }))
    expect(toChunk(rows, 't', 1)).toEqual({ rows: [3, 4, 9], dedupToken: 't-1-3-9' })
    expect(toChunk([], 't', 1)).toBeUndefined()
  })
})
