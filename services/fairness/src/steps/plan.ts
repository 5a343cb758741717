import type { ModelConfig } from '@vigil/config'
import type { OutcomeEvent, PredictionEvent } from '@vigil/events'
import type { Input, Plan } from '@vigil/kafka'
import {
  judged,
  type ModelWindow,
  planRecompute,
  type Readings,
  type RecomputeContext,
  type Schedule,
  touchedWindows,
  type WindowReading,
  windowKey,
} from '@vigil/outcomes'
import { type AttributeFairness, fairnessFromCounts } from '@vigil/stats'
import { windowWrite } from '../store.js'
import { fairnessMessage, fairnessRows } from './window.js'

export type FairnessEvent = PredictionEvent | OutcomeEvent

/** A window's version: predictions + labelled summed over its attributes, so it grows with both. */
export const windowVersion = (reading: WindowReading) =>
  [...reading.values()].reduce((sum, r) => sum + r.predictions + r.labelled, 0)

/** The windows of judged models that some predictions (by their time) or outcomes (by prediction time) touch. */
export function touched(
  inputs: readonly Input<FairnessEvent>[],
  settings: (modelId: string) => ModelConfig,
): ModelWindow[] {
  const events = inputs.map(({ event: e }) => ({
    modelId: e.model_id,
    modelVersion: e.model_version,
    time: Date.parse('prediction_time' in e ? e.prediction_time : e.timestamp),
  }))
  return touchedWindows(events, (m) => settings(m).window).filter((w) => judged(settings(w.modelId)))
}

/**
 * The judged windows `read` computed, from their group counts: rows at version = predictions +
 * labelled summed over attributes (it grows with both), then their messages on `vigil.metrics`;
 * the other touched windows wait in the schedule for their interval to pass.
 */
export function planFairness(
  schedule: Schedule,
  touchedWindows: readonly ModelWindow[],
  readings: Readings<WindowReading>,
  settings: (modelId: string) => ModelConfig,
  ctx: RecomputeContext,
): Plan<Schedule> & { windows: number } {
  return planRecompute(schedule, touchedWindows, readings, ctx, (w, reading) => {
    const attributes: Record<string, AttributeFairness> = {}
    const totals = { version: windowVersion(reading), predictions: 0, labelled: 0 }
    for (const [attribute, { reference_group: referenceGroup }] of Object.entries(
      settings(w.modelId).sensitive_attributes,
    )) {
      const r = reading.get(attribute)
      if (!r) throw new Error(`no reading for attribute ${attribute} of window ${windowKey(w)}`)
      attributes[attribute] = fairnessFromCounts(r.counts, referenceGroup)
      totals.predictions = Math.max(totals.predictions, r.predictions)
      totals.labelled = Math.max(totals.labelled, r.labelled)
    }
    const rows = Object.entries(attributes).flatMap(([a, f]) => fairnessRows(a, f))
    return { write: windowWrite(w, totals.version, rows), message: fairnessMessage(w, attributes, totals) }
  })
}
