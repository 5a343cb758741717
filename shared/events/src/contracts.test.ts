import { loadEventSchema } from '@vigil/schemas'
import { describe, expect, it } from 'vitest'
import type { LabelEvent, PredictionEvent } from './types.js'
import { createEventParser } from './validate.js'

const predictions = createEventParser('prediction', { maxBytes: 4096 })
const labels = createEventParser('label')

const valid: PredictionEvent = {
  schema_version: 1,
  prediction_id: 'p1',
  model_id: 'fraud-detector',
  model_version: 'v1',
  timestamp: '2026-11-24T10:00:00.123Z',
  features: { amount: 120.5, country: 'DE', age: null, vip: true },
  prediction: { label: 'fraud', score: 0.87, probabilities: { fraud: 0.87, ok: 0.13 } },
  attributes: { gender: 'f' },
}
const validLabel: LabelEvent = {
  schema_version: 1,
  prediction_id: 'p1',
  model_id: 'fraud-detector',
  timestamp: '2026-11-25T00:00:00Z',
  label: 'ok',
}

function reasonOf(result: { ok: boolean; reason?: string }): string {
  expect(result.ok).toBe(false)
  return result.reason ?? ''
}

describe('schema examples', () => {
  it.each(['prediction.v1', 'label.v1', 'metrics.v1', 'outcome.v1', 'alert.v1', 'webhook.v1'] as const)(
    'every example of %s is valid',
    (name) => {
      const schema = loadEventSchema(name) as { examples: unknown[] }
      const parser = {
        'prediction.v1': predictions,
        'label.v1': labels,
        'metrics.v1': createEventParser('metrics'),
        'outcome.v1': createEventParser('outcome'),
        'alert.v1': createEventParser('alert'),
        'webhook.v1': createEventParser('webhook'),
      }[name]
      expect(schema.examples.length).toBeGreaterThan(0)
      for (const example of schema.examples)
        expect(parser.check(example)).toEqual({ ok: true, value: example })
    },
  )
})

describe('prediction events', () => {
  it('accepts a valid event and returns it typed', () => {
    const r = predictions.parse(JSON.stringify(valid))
    expect(r).toEqual({ ok: true, value: valid })
  })

  // One failing example per rule of prediction.v1.schema.json, with the reason a person reads.
  it.each<[string, (e: Record<string, unknown>) => void, RegExp]>([
    ['required field', (e) => delete e.prediction_id, /missing required field "prediction_id"/],
    ['unknown top-level field', (e) => (e.extra = 1), /unknown field "extra"/],
    ['prediction_id empty', (e) => (e.prediction_id = ''), /\/prediction_id: must NOT have fewer than 1/],
    [
      'prediction_id too long',
      (e) => (e.prediction_id = 'x'.repeat(129)),
      /\/prediction_id: must NOT have more than 128/,
    ],
    ['model_id charset', (e) => (e.model_id = 'fraud detector'), /\/model_id: must match/],
    ['model_version type', (e) => (e.model_version = 3), /\/model_version: must be string/],
    [
      'timestamp without zone',
      (e) => (e.timestamp = '2026-11-24T10:00:00'),
      /\/timestamp: must be an RFC 3339/,
    ],
    ['timestamp not a date', (e) => (e.timestamp = 'yesterday'), /\/timestamp: must be an RFC 3339/],
    ['features not an object', (e) => (e.features = [1, 2]), /\/features: must be object/],
    [
      'feature value an object',
      (e) => (e.features = { a: { b: 1 } }),
      /\/features\/a: must be number or string/,
    ],
    ['feature name empty', (e) => (e.features = { '': 1 }), /\/features: has an invalid property name/],
    [
      'feature string too long',
      (e) => (e.features = { a: 'x'.repeat(1025) }),
      /\/features\/a: must NOT have more than 1024/,
    ],
    ['prediction empty', (e) => (e.prediction = {}), /\/prediction: must NOT have fewer than 1 properties/],
    ['prediction unknown field', (e) => (e.prediction = { class: 'a' }), /unknown field "class"/],
    ['score not a number', (e) => (e.prediction = { score: '0.5' }), /\/prediction\/score: must be number/],
    [
      'probability above 1',
      (e) => (e.prediction = { probabilities: { a: 1.5 } }),
      /\/prediction\/probabilities\/a: must be <= 1/,
    ],
    [
      'attributes value array',
      (e) => (e.attributes = { g: [] }),
      /\/attributes\/g: must be number or string/,
    ],
    ['schema_version unknown', (e) => (e.schema_version = 2), /unknown schema_version 2; this vigil reads 1/],
    ['schema_version missing', (e) => delete e.schema_version, /schema_version is missing/],
  ])('rejects: %s', (_name, mutate, reason) => {
    const event = structuredClone(valid) as unknown as Record<string, unknown>
    mutate(event)
    expect(reasonOf(predictions.parse(JSON.stringify(event)))).toMatch(reason)
  })

  it('rejects bad JSON with the parser message', () => {
    expect(reasonOf(predictions.parse('{"schema_version": 1,'))).toMatch(/^invalid JSON: /)
  })

  it('names NaN and Infinity, which JSON does not have', () => {
    const text = JSON.stringify(valid).replace('120.5', 'NaN')
    expect(reasonOf(predictions.parse(text))).toMatch(/NaN is not a JSON number/)
    expect(reasonOf(predictions.parse(JSON.stringify(valid).replace('120.5', '-Infinity')))).toMatch(
      /Infinity/,
    )
  })

  it('rejects numbers that overflow to Infinity', () => {
    expect(reasonOf(predictions.parse(JSON.stringify(valid).replace('120.5', '1e999')))).toBe(
      '/features/amount: numbers must be finite',
    )
  })

  it('rejects an oversized event before parsing it', () => {
    const big = {
      ...valid,
      features: { blob: 'x'.repeat(1000), b: 'y'.repeat(1000), c: 'z'.repeat(1000), d: 'w'.repeat(1000) },
    }
    expect(reasonOf(predictions.parse(JSON.stringify(big)))).toMatch(/over the 4096-byte limit/)
  })

  it('rejects non-objects and empty messages', () => {
    expect(reasonOf(predictions.parse('[1]'))).toMatch(/must be a JSON object, got an array/)
    expect(reasonOf(predictions.parse(''))).toBe('empty message')
  })

  it('lists several problems, at most five', () => {
    const r = reasonOf(predictions.check({ schema_version: 1 }))
    expect(r.split('; ').length).toBe(6)
    expect(r).toMatch(/and \d+ more$/)
  })
})

describe('label events', () => {
  it('accepts class and numeric labels', () => {
    expect(labels.check(validLabel).ok).toBe(true)
    expect(labels.check({ ...validLabel, label: 41.5 }).ok).toBe(true)
  })

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['label missing', { label: undefined }, /missing required field "label"/],
    ['label boolean', { label: true }, /\/label: must be string or number/],
    ['label empty', { label: '' }, /\/label: must NOT have fewer than 1/],
    ['model_id charset', { model_id: 'a/b' }, /\/model_id: must match/],
    ['unknown field', { model_version: 'v1' }, /unknown field "model_version"/],
    ['timestamp', { timestamp: '24.11.2026' }, /\/timestamp: must be an RFC 3339/],
  ])('rejects: %s', (_name, patch, reason) => {
    const event = JSON.parse(JSON.stringify({ ...validLabel, ...patch }))
    expect(reasonOf(labels.check(event))).toMatch(reason)
  })
})
