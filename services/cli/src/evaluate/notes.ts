/** What the files held that the evaluation left out, counted as the joiner and the recorder count it. */
export interface LeftOut {
  /** Labels whose prediction is not in the predictions file. */
  unmatchedLabels: number
  /** Second and later labels of a prediction: the first one counts. */
  duplicateLabels: number
  /** Second and later predictions with one prediction_id: the first one counts. */
  repeatedPredictions: number
}

/** The notes of a report, in words, for what was left out. */
export function evaluationNotes(predictionsFile: string, l: LeftOut): string[] {
  const notes: string[] = []
  if (l.unmatchedLabels > 0)
    notes.push(`${l.unmatchedLabels} labels have no prediction in ${predictionsFile}`)
  if (l.duplicateLabels > 0)
    notes.push(`${l.duplicateLabels} repeated labels ignored (the first label of a prediction counts)`)
  if (l.repeatedPredictions > 0)
    notes.push(
      `${l.repeatedPredictions} repeated predictions ignored (the first prediction with an id counts)`,
    )
  return notes
}
