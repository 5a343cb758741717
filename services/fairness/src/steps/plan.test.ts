import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import type { Input } from '@vigil/kafka'
import { emptySchedule, type WindowReading, windowKey } from '@vigil/outcomes'
import { describe, expect, it } from 'vitest'
import { type FairnessEvent, planFairness, touched } from './plan.js'

const H = 3_600_000
const T0 = Date.UTC(2026, 10, 24, 10)
const judgedModel: ModelConfig = {
  ...DEFAULT_MODEL_CONFIG,
  window: H,
  positive_class: 'approve',
  sensitive_attributes: { sex: { reference_group: 'm' } },
} as ModelConfig
const settings = (m: string) => (m === 'judged' ? judgedModel : { ...DEFAULT_MODEL_CONFIG, window: H })

function prediction(model: string, offset: number, t: number): Input<FairnessEvent> {
  const event = {
    schema_version: 1,
    model_id: model,
    model_version: 'v1',
    prediction_id: `p${offset}`,
    timestamp: new Date(t).toISOString(),
    features: {},
    prediction: { label: 'approve' },
  } as FairnessEvent
  return {
    topic: 'vigil.predictions',
    partition: 0,
    offset: BigInt(offset),
    timestamp: t,
    event,
    message: {} as never,
  }
}

const context = {
  owner: { group: 'g', topic: 'vigil.predictions', partition: 0 },
  now: T0,
  intervalMs: 30_000,
  metricsTopic: 'vigil.metrics',
}
const counts = (n: number, selected: number) => ({ n, selected, tp: 0, fp: 0, fn: 0, tn: 0 })

describe('fairness plan', () => {
  it('judges only models with a positive class and sensitive attributes', () => {
    const inputs = [prediction('judged', 0, T0 + 1), prediction('other', 1, T0 + 2)]
    expect(touched(inputs, settings).map((w) => w.modelId)).toEqual(['judged'])
  })

  it('writes a window’s groups at version = predictions + labelled, then its message', () => {
    const inputs = [prediction('judged', 0, T0 + 1)]
    const [w] = touched(inputs, settings)
    const reading: WindowReading = new Map([
      [
        'sex',
        {
          counts: new Map([
            ['m', counts(100, 50)],
            ['f', counts(100, 30)],
          ]),
          predictions: 200,
          labelled: 0,
        },
      ],
    ])
    const readings = new Map([[windowKey(w!), { window: w!, reading }]])
    const plan = planFairness(emptySchedule(), touched(inputs, settings), readings, settings, context)
    expect(plan.windows).toBe(1)
    const [rows, messages] = plan.writes
    if (!rows || !('table' in rows) || !messages || 'table' in messages)
      throw new Error('rows, then messages')
    expect(rows.rows.every((r) => (r as { version: number }).version === 200)).toBe(true)
    const ratio = rows.rows.find(
      (r) =>
        (r as { group: string; metric: string }).group === 'f' &&
        (r as { metric: string }).metric === 'disparate_impact',
    )
    expect(ratio).toMatchObject({ value: 0.6 })
    expect(JSON.parse(String(messages.messages[0]!.value))).toMatchObject({
      family: 'fairness',
      model_id: 'judged',
    })
  })

  it('plans nothing for a batch that touches no judged window', () => {
    const inputs = [prediction('other', 0, T0)]
    expect(
      planFairness(emptySchedule(), touched(inputs, settings), new Map(), settings, context).writes,
    ).toEqual([])
  })
})
