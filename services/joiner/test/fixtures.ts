import type { StoredPrediction } from '../src/steps/join.js'

/** The stored prediction of `makeLabel(i)` from @vigil/testing, for the joiner's unit tests. */
export function storedPrediction(i: number, over: Partial<StoredPrediction> = {}): StoredPrediction {
  return {
    modelId: `model-${i % 3}`,
    modelVersion: 'v1',
    predictionId: `p-${i}`,
    time: Date.UTC(2026, 10, 24, 10) + i * 100,
    prediction: { label: 'ok', score: 0.2 },
    attributes: { region: 'eu' },
    ...over,
  }
}
