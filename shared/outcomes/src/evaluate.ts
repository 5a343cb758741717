import type { ModelConfig } from '@vigil/config'
import type { LabelEvent, PredictionEvent } from '@vigil/events'
import {
  type AttributeFairness,
  type ClassificationMetrics,
  type ClassifiedRow,
  classificationMetrics,
  type FairnessRow,
  fairnessMetrics,
  type RegressionMetrics,
  regressionMetrics,
} from '@vigil/stats'
import { labelCoverage } from './windows.js'

/** What the metrics need of a prediction (an event, or a row of `outcomes`). */
export type PredictionView = Pick<PredictionEvent, 'model_version' | 'prediction' | 'attributes'>

/** A prediction and the truth that arrived for it. */
export interface Outcome {
  prediction: PredictionView
  label: string | number
}

export interface Joined {
  outcomes: { prediction: PredictionEvent; label: string | number }[]
  /** Labels whose prediction is not in the predictions. */
  unmatchedLabels: number
  /** Second and later labels for one prediction: the first one counts, as in the joiner. */
  duplicateLabels: number
}

const key = (modelId: string, predictionId: string) => `${modelId}\u0000${predictionId}`

/** Pairs each prediction with the first label for its (model_id, prediction_id). */
export function joinOutcomes(predictions: readonly PredictionEvent[], labels: readonly LabelEvent[]): Joined {
  const byId = new Map(predictions.map((p) => [key(p.model_id, p.prediction_id), p]))
  const seen = new Set<string>()
  const outcomes: Joined['outcomes'] = []
  let unmatchedLabels = 0
  let duplicateLabels = 0
  for (const l of labels) {
    const k = key(l.model_id, l.prediction_id)
    const prediction = byId.get(k)
    if (!prediction) unmatchedLabels++
    else if (seen.has(k)) duplicateLabels++
    else {
      seen.add(k)
      outcomes.push({ prediction, label: l.label })
    }
  }
  return { outcomes, unmatchedLabels, duplicateLabels }
}

export interface Evaluation {
  model_id: string
  model_versions: string[]
  task: 'binary' | 'multiclass' | 'regression'
  positive_class?: string
  n_predictions: number
  n_labelled: number
  label_coverage: number | null
  performance: ClassificationMetrics | RegressionMetrics
  fairness: Record<string, AttributeFairness>
  /** What vigil assumed or left out, in words. */
  notes: string[]
}

/** Binary labels that need no configuration: 0/1 and false/true. */
function impliedPositive(classes: ReadonlySet<string>): string | undefined {
  const within = (allowed: string[]) => [...classes].every((c) => allowed.includes(c))
  if (within(['0', '1'])) return '1'
  if (within(['false', 'true'])) return 'true'
  return undefined
}

/** What decides a window's task: how many outcomes, how many with a numeric label, with a predicted value. */
export interface TaskEvidence {
  n: number
  numericLabels: number
  withValues: number
}

/** Regression by configuration, else when every label is a number and some prediction carries a value. */
export function isRegression(e: TaskEvidence, model: ModelConfig): boolean {
  return (
    (model.task ?? (e.n > 0 && e.numericLabels === e.n && e.withValues > 0 ? 'regression' : 'class')) ===
    'regression'
  )
}

/** A classification task: binary with its positive class, else multiclass (a note says why). */
export function classificationTask(
  model: ModelConfig,
  classes: ReadonlySet<string>,
  notes: string[],
): { task: 'binary' | 'multiclass'; positive?: string } {
  const task = model.task ?? (classes.size <= 2 ? 'binary' : 'multiclass')
  if (task !== 'binary') return { task: 'multiclass' }
  const positive = model.positive_class ?? impliedPositive(classes)
  if (positive !== undefined) return { task, positive }
  notes.push(
    `binary task without positive_class in vigil.yaml and classes ${[...classes].join(', ')}: reported as multiclass (macro averages)`,
  )
  return { task: 'multiclass' }
}

/** The notes for outcomes a task could not use. */
export const leftOutNote = {
  regression: (n: number) => `${n} outcomes without a numeric label or predicted value left out`,
  classification: (n: number) => `${n} outcomes whose prediction has no label or probabilities left out`,
}

/** The predicted class: the event's label, else the most probable class. */
function predictedClass(p: PredictionView): string | undefined {
  if (p.prediction.label !== undefined) return p.prediction.label
  const probabilities = Object.entries(p.prediction.probabilities ?? {})
  if (probabilities.length === 0) return undefined
  return probabilities.reduce((best, e) => (e[1] > best[1] ? e : best))[0]
}

/** Probabilities per class; a binary model's bare `score` is P(positive class). */
function probabilitiesOf(
  p: PredictionView,
  positive: string | undefined,
  classes: readonly string[],
): Record<string, number> | undefined {
  if (p.prediction.probabilities) return p.prediction.probabilities
  if (p.prediction.score === undefined || positive === undefined || classes.length !== 2) return undefined
  const negative = classes.find((c) => c !== positive)!
  return { [positive]: p.prediction.score, [negative]: 1 - p.prediction.score }
}

/** The accuracy half of an evaluation: the task as decided, the metrics, and what was assumed. */
export interface Performance {
  task: Evaluation['task']
  positive_class?: string
  performance: ClassificationMetrics | RegressionMetrics
  notes: string[]
}

/** Accuracy metrics of one window of outcomes (docs/metrics.md). */
export function performanceOf(outcomes: readonly Outcome[], model: ModelConfig): Performance {
  const notes: string[] = []
  const classes = new Set<string>()
  for (const o of outcomes) {
    classes.add(String(o.label))
    const predicted = predictedClass(o.prediction)
    if (predicted !== undefined && typeof o.label !== 'number') classes.add(predicted)
  }
  const evidence = {
    n: outcomes.length,
    numericLabels: outcomes.filter((o) => typeof o.label === 'number').length,
    withValues: outcomes.filter((o) => o.prediction.prediction.value !== undefined).length,
  }
  if (isRegression(evidence, model)) {
    const rows = outcomes.flatMap((o) => {
      const predicted = o.prediction.prediction.value ?? o.prediction.prediction.score
      return typeof o.label === 'number' && predicted !== undefined ? [{ actual: o.label, predicted }] : []
    })
    if (rows.length < outcomes.length) notes.push(leftOutNote.regression(outcomes.length - rows.length))
    return { task: 'regression', performance: regressionMetrics(rows), notes }
  }
  const { task, positive } = classificationTask(model, classes, notes)
  const sorted = [...classes].sort()
  const rows: ClassifiedRow[] = outcomes.flatMap((o) => {
    const predicted = predictedClass(o.prediction)
    if (predicted === undefined) return []
    const probabilities = probabilitiesOf(o.prediction, positive, sorted)
    return [{ actual: String(o.label), predicted, ...(probabilities ? { probabilities } : {}) }]
  })
  if (rows.length < outcomes.length) notes.push(leftOutNote.classification(outcomes.length - rows.length))
  const performance = classificationMetrics(rows, {
    classes: sorted,
    ...(positive !== undefined ? { positiveClass: positive } : {}),
  })
  return { task, ...(positive !== undefined ? { positive_class: positive } : {}), performance, notes }
}

/**
 * Every accuracy and fairness metric of one model over the given predictions as one window
 * (docs/metrics.md): what `vigil evaluate` prints and what the performance service computes.
 */
export function evaluateModel(
  modelId: string,
  predictions: readonly PredictionView[],
  outcomes: readonly Outcome[],
  model: ModelConfig,
): Evaluation {
  const p = performanceOf(outcomes, model)
  const notes = [...p.notes]
  return {
    model_id: modelId,
    model_versions: [...new Set(predictions.map((x) => x.model_version))].sort(),
    task: p.task,
    ...(p.positive_class !== undefined ? { positive_class: p.positive_class } : {}),
    n_predictions: predictions.length,
    n_labelled: outcomes.length,
    label_coverage: labelCoverage(predictions.length, outcomes.length),
    performance: p.performance,
    fairness:
      p.positive_class === undefined ? {} : fairnessOf(predictions, outcomes, model, p.positive_class, notes),
    notes,
  }
}

/** Selection rates over every prediction; the label-based rates over the labelled ones. */
export function fairnessOf(
  predictions: readonly PredictionView[],
  outcomes: readonly Outcome[],
  model: ModelConfig,
  positive: string,
  notes: string[],
): Record<string, AttributeFairness> {
  const truth = new Map(outcomes.map((o) => [o.prediction, String(o.label) === positive]))
  let attributes = model.sensitive_attributes
  if (Object.keys(attributes).length === 0) {
    // Not configured: every attribute the events carry, against its most frequent group.
    const counts = new Map<string, Map<string, number>>()
    for (const p of predictions)
      for (const [a, v] of Object.entries(p.attributes ?? {})) {
        if (v === null) continue
        const groups = counts.get(a) ?? new Map<string, number>()
        groups.set(String(v), (groups.get(String(v)) ?? 0) + 1)
        counts.set(a, groups)
      }
    attributes = Object.fromEntries(
      [...counts].map(([a, groups]) => {
        const [top] = [...groups].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]!
        return [a, { reference_group: top }]
      }),
    )
    for (const [a, { reference_group: referenceGroup }] of Object.entries(attributes))
      notes.push(
        `${a}: no reference group configured; the most frequent group, ${referenceGroup}, is the reference`,
      )
  }
  const out: Record<string, AttributeFairness> = {}
  for (const [attribute, { reference_group: referenceGroup }] of Object.entries(attributes)) {
    const rows: FairnessRow[] = predictions.flatMap((p) => {
      const group = p.attributes?.[attribute]
      const predicted = predictedClass(p)
      if (group === undefined || group === null || predicted === undefined) return []
      const positiveTruth = truth.get(p)
      return [
        {
          group: String(group),
          selected: predicted === positive,
          ...(positiveTruth !== undefined ? { positive: positiveTruth } : {}),
        },
      ]
    })
    out[attribute] = fairnessMetrics(rows, referenceGroup)
  }
  return out
}
