import type { FeatureProfile } from '@vigil/stats'

/** What a model version's windows are compared with. */
export interface Reference {
  /** `baseline:<version>` (uploaded) or `first-window:<ISO start>` (the first complete window). */
  name: string
  kind: 'baseline' | 'first'
  features: Record<string, FeatureProfile>
}
