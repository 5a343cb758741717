import type { Reference } from '@vigil/baselines'

export type { Reference }
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
