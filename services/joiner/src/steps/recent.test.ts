import { makePrediction } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { predictionKey } from './join.js'
import { RecentPredictions } from './recent.js'

describe('RecentPredictions', () => {
  it('keeps the last `capacity` predictions read, as stored rows read them', () => {
    const recent = new RecentPredictions(2)
    for (const i of [0, 1, 2]) recent.add(makePrediction(i))
    expect(recent.size).toBe(2)
    expect(recent.get(predictionKey('model-0', 'p-0'))).toBeUndefined()
    expect(recent.get(predictionKey('model-2', 'p-2'))).toEqual({
      modelId: 'model-2',
      modelVersion: 'v1',
      predictionId: 'p-2',
      time: Date.parse(makePrediction(2).timestamp),
      prediction: { label: 'ok', score: 0.02 },
      attributes: { region: 'us' },
    })
  })

  it('reading a prediction again makes it the newest', () => {
    const recent = new RecentPredictions(2)
    for (const i of [0, 1, 0, 2]) recent.add(makePrediction(i))
    expect(recent.get(predictionKey('model-0', 'p-0'))).toBeDefined()
    expect(recent.get(predictionKey('model-1', 'p-1'))).toBeUndefined()
  })
})
