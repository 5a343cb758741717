import type { PredictionEvent } from '@vigil/events'
import { type Evaluation, evaluateModel, joinOutcomes } from '@vigil/outcomes'
import type { EvaluateFiles } from './engine.js'
import { evaluationNotes } from './notes.js'
import { readEvents } from './read.js'

/**
 * The evaluation read in the process, event by event through the event parser: for files the
 * engine does not vouch for, so that an invalid line is named with its file and number.
 */
export async function evaluateInProcess(files: EvaluateFiles): Promise<Evaluation> {
  const [predictions, labels] = await Promise.all([
    readEvents(files.predictions, 'prediction'),
    readEvents(files.labels, 'label'),
  ])
  const modelId = files.pick([...new Set(predictions.map((p) => p.model_id))])
  const seen = new Set<string>()
  const mine: PredictionEvent[] = []
  let repeated = 0
  for (const p of predictions) {
    if (p.model_id !== modelId) continue
    if (seen.has(p.prediction_id)) repeated++
    else {
      seen.add(p.prediction_id)
      mine.push(p)
    }
  }
  const joined = joinOutcomes(
    mine,
    labels.filter((l) => l.model_id === modelId),
  )
  const report = evaluateModel(modelId, mine, joined.outcomes, files.settings(modelId))
  report.notes.push(...evaluationNotes(files.predictions, { ...joined, repeatedPredictions: repeated }))
  return report
}
