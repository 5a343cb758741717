import type { PredictionEvent } from '@vigil/events'
import { canonicalPrediction, predictionKey, type StoredPrediction } from './join.js'

/**
 * The most recent predictions the joiner has read, up to `capacity` (the oldest read leaves
 * first): most labels find their prediction here without a ClickHouse lookup. A miss is not an
 * answer; the caller looks the prediction up in ClickHouse.
 */
export class RecentPredictions {
  private readonly byKey = new Map<string, StoredPrediction>()

  constructor(readonly capacity: number) {}

  add(p: PredictionEvent): void {
    const key = predictionKey(p.model_id, p.prediction_id)
    this.byKey.delete(key)
    this.byKey.set(key, {
      modelId: p.model_id,
      modelVersion: p.model_version,
      predictionId: p.prediction_id,
      time: Date.parse(p.timestamp),
      prediction: canonicalPrediction(p.prediction),
      attributes: Object.fromEntries(
        Object.entries(p.attributes ?? {}).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]])),
      ),
    })
    while (this.byKey.size > this.capacity) this.byKey.delete(this.byKey.keys().next().value!)
  }

  get(key: string): StoredPrediction | undefined {
    return this.byKey.get(key)
  }

  get size(): number {
    return this.byKey.size
  }
}
