import type { MetricsMessage } from '@vigil/events'
import { labelCoverage, type ModelWindow, windowMessage } from '@vigil/outcomes'
import type { AttributeFairness } from '@vigil/stats'

/** One row of `fairness_windows`. */
export interface FairnessRow {
  attribute: string
  reference_group: string
  group: string
  metric: string
  value: number | null
  n: number
  n_labelled: number
}

/** Long-format rows of one attribute: every metric of every group except the counts. */
export function fairnessRows(attribute: string, f: AttributeFairness): FairnessRow[] {
  return Object.entries(f.groups).flatMap(([group, m]) =>
    Object.entries(m)
      .filter(([metric]) => metric !== 'n' && metric !== 'n_labelled')
      .map(([metric, value]) => ({
        attribute,
        reference_group: f.reference_group,
        group,
        metric,
        value,
        n: m.n,
        n_labelled: m.n_labelled,
      })),
  )
}

/** The `vigil.metrics` message of a window: per attribute its reference group and its groups. */
export function fairnessMessage(
  w: ModelWindow,
  attributes: Record<string, AttributeFairness>,
  counts: { version: number; predictions: number; labelled: number },
): MetricsMessage {
  return {
    ...windowMessage('fairness', w, {
      version: counts.version,
      n: counts.predictions,
      labelCoverage: labelCoverage(counts.predictions, counts.labelled),
    }),
    fairness: Object.fromEntries(
      Object.entries(attributes).map(([a, f]) => [
        a,
        {
          reference_group: f.reference_group,
          groups: Object.fromEntries(
            Object.entries(f.groups).map(([g, m]) => [
              g,
              Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'n' && k !== 'n_labelled')),
            ]),
          ),
        },
      ]),
    ),
  }
}
