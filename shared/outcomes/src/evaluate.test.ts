import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import type { LabelEvent, PredictionEvent } from '@vigil/events'
import type { ClassificationMetrics, RegressionMetrics } from '@vigil/stats'
import { outcomeSample } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { evaluateModel, joinOutcomes } from './evaluate.js'

function prediction(
  i: number,
  p: PredictionEvent['prediction'],
  attributes: PredictionEvent['attributes'] = {},
): PredictionEvent {
  return {
    schema_version: 1,
    prediction_id: `p${i}`,
    model_id: 'fraud',
    model_version: 'v1',
    timestamp: new Date(Date.UTC(2026, 10, 24) + i * 1000).toISOString(),
    features: {},
    prediction: p,
    attributes,
  }
}

function label(i: number, value: string | number, modelId = 'fraud'): LabelEvent {
  return {
    schema_version: 1,
    prediction_id: `p${i}`,
    model_id: modelId,
    timestamp: '2026-11-26T00:00:00Z',
    label: value,
  }
}

const model = (over: Partial<ModelConfig> = {}): ModelConfig => ({ ...DEFAULT_MODEL_CONFIG, ...over })

describe('joinOutcomes', () => {
  it('pairs by model and prediction id; the first label counts; strangers are counted', () => {
    const ps = [prediction(1, { label: 'ok' }), prediction(2, { label: 'fraud' })]
    const j = joinOutcomes(ps, [label(1, 'ok'), label(1, 'fraud'), label(3, 'ok'), label(2, 'ok', 'other')])
    expect(j.outcomes.map((o) => [o.prediction.prediction_id, o.label])).toEqual([['p1', 'ok']])
    expect(j.duplicateLabels).toBe(1)
    expect(j.unmatchedLabels).toBe(2)
  })
})

describe('evaluateModel', () => {
  it('binary: metrics over the labelled predictions, selection rates over all of them', () => {
    const { predictions: ps, labels } = outcomeSample()
    const e = evaluateModel(
      'fraud',
      ps,
      joinOutcomes(ps, labels).outcomes,
      model({
        positive_class: 'fraud',
        sensitive_attributes: { group: { reference_group: 'a' } },
      }),
    )
    expect(e).toMatchObject({
      task: 'binary',
      positive_class: 'fraud',
      n_predictions: 8,
      n_labelled: 6,
      label_coverage: 0.75,
    })
    const perf = e.performance as ClassificationMetrics
    expect(perf.accuracy).toBeCloseTo(4 / 6, 12)
    expect(perf.precision).toBeCloseTo(2 / 3, 12) // fraud predicted 3 times, right twice
    expect(perf.recall).toBeCloseTo(2 / 3, 12)
    // Scores: fraud 0.9, 0.8, 0.4; ok 0.7, 0.2, 0.3 → 8 of 9 pairs ordered.
    expect(perf.roc_auc).toBeCloseTo(8 / 9, 12)
    const a = e.fairness.group!.groups.a!
    const b = e.fairness.group!.groups.b!
    expect([a.selection_rate, b.selection_rate]).toEqual([0.5, 0.25])
    expect(b.disparate_impact).toBe(0.5)
    expect([a.tpr, b.tpr]).toEqual([1, 0.5])
    expect(b.equal_opportunity_difference).toBe(-0.5)
    expect(e.notes).toEqual([])
  })

  it('infers regression from numeric labels and predicted values', () => {
    const ps = [1, 2, 3, 4].map((v, i) => prediction(i, { value: v + 0.5 }))
    const e = evaluateModel(
      'house',
      ps,
      joinOutcomes(
        ps,
        [1, 2, 3, 4].map((v, i) => label(i, v)),
      ).outcomes,
      model(),
    )
    expect(e.task).toBe('regression')
    expect((e.performance as RegressionMetrics).mae).toBe(0.5)
    expect(e.fairness).toEqual({})
  })

  it('says what it assumed: 0/1 labels are binary with positive 1; attributes get their largest group as reference', () => {
    const ps = [0, 1, 1, 0, 1].map((v, i) =>
      prediction(i, { label: String(v), score: v ? 0.8 : 0.3 }, { region: i < 3 ? 'eu' : 'us' }),
    )
    const e = evaluateModel(
      'm',
      ps,
      joinOutcomes(
        ps,
        [0, 1, 0, 0, 1].map((v, i) => label(i, String(v))),
      ).outcomes,
      model(),
    )
    expect(e).toMatchObject({ task: 'binary', positive_class: '1' })
    expect(e.fairness.region!.reference_group).toBe('eu')
    expect(e.notes).toEqual([
      'region: no reference group configured; the most frequent group, eu, is the reference',
    ])
  })

  it('reports a binary task without a positive class as multiclass, and says so', () => {
    const ps = ['cat', 'dog'].map((l, i) => prediction(i, { label: l }))
    const e = evaluateModel(
      'pets',
      ps,
      joinOutcomes(ps, [label(0, 'cat'), label(1, 'cat')]).outcomes,
      model(),
    )
    expect(e.task).toBe('multiclass')
    expect(e.notes[0]).toMatch(/without positive_class/)
    expect((e.performance as ClassificationMetrics).accuracy).toBe(0.5)
  })
})
