import type { FeatureProfile } from '@vigil/stats'

/** What a model version's windows are compared with. */
export interface Reference {
  /** `baseline:<version>` (uploaded) or `first-window:<ISO start>` (the first complete window). */
  name: string
  kind: 'baseline' | 'first'
  features: Record<string, FeatureProfile>
}

/** Special feature names for the prediction itself. */
export const SCORE = '__score__'
export const LABEL = '__label__'
export const MODEL = '__model__'

export function windowKey(modelId: string, modelVersion: string): string {
  return `${modelId}\u0001${modelVersion}`
}

export function splitKey(key: string): { modelId: string; modelVersion: string } {
  const [modelId = '', modelVersion = ''] = key.split('\u0001')
  return { modelId, modelVersion }
}
