import { ratio } from './numbers.js'

/**
 * Fairness of a binary decision per sensitive attribute (docs/metrics.md): per group the rates
 * Fairlearn's MetricFrame reports, each group against the attribute's reference group, and
 * Fairlearn's between-groups summaries.
 */

export interface FairnessRow {
  group: string
  /** The model's decision was the positive class. */
  selected: boolean
  /** The truth was the positive class; undefined while unlabelled (selection rate needs no label). */
  positive?: boolean
}

export interface GroupFairness {
  n: number
  n_labelled: number
  selection_rate: number | null
  tpr: number | null
  fpr: number | null
  precision: number | null
  /** selection_rate / the reference group's (the four-fifths rule flags < 0.8). */
  disparate_impact: number | null
  /** selection_rate − the reference group's. */
  demographic_parity_difference: number | null
  /** tpr − the reference group's. */
  equal_opportunity_difference: number | null
  /** max(|tpr − reference tpr|, |fpr − reference fpr|). */
  equalised_odds_difference: number | null
}

export interface AttributeFairness {
  reference_group: string
  groups: Record<string, GroupFairness>
  /** Between groups, as Fairlearn's functions of the same names (method="between_groups"). */
  summary: {
    demographic_parity_difference: number | null
    demographic_parity_ratio: number | null
    equal_opportunity_difference: number | null
    equalized_odds_difference: number | null
  }
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b)

function spread(values: (number | null)[]): { min: number; max: number } | null {
  const defined = values.filter((v): v is number => v !== null)
  return defined.length === 0 ? null : { min: Math.min(...defined), max: Math.max(...defined) }
}

/** What a group's fairness is computed from: its predictions, selections and confusion counts. */
export interface GroupCounts {
  /** Predictions (labelled or not). */
  n: number
  selected: number
  /** Over the labelled predictions. */
  tp: number
  fp: number
  fn: number
  tn: number
}

/** The counts of each group in `rows`. */
export function groupCounts(rows: readonly FairnessRow[]): Map<string, GroupCounts> {
  const out = new Map<string, GroupCounts>()
  for (const r of rows) {
    const c = out.get(r.group) ?? { n: 0, selected: 0, tp: 0, fp: 0, fn: 0, tn: 0 }
    c.n++
    if (r.selected) c.selected++
    if (r.positive !== undefined) {
      if (r.selected) r.positive ? c.tp++ : c.fp++
      else r.positive ? c.fn++ : c.tn++
    }
    out.set(r.group, c)
  }
  return out
}

/** @param groups every group to report, seen or not (an empty one gets nulls); seen ones are added. */
export function fairnessMetrics(
  rows: readonly FairnessRow[],
  referenceGroup: string,
  groups: readonly string[] = [],
): AttributeFairness {
  return fairnessFromCounts(groupCounts(rows), referenceGroup, groups)
}

/** {@link fairnessMetrics} from counts per group (what a database aggregates cheaply). */
export function fairnessFromCounts(
  counts: ReadonlyMap<string, GroupCounts>,
  referenceGroup: string,
  groups: readonly string[] = [],
): AttributeFairness {
  const empty: GroupCounts = { n: 0, selected: 0, tp: 0, fp: 0, fn: 0, tn: 0 }
  const names = [...new Set([referenceGroup, ...groups, ...counts.keys()])].sort()
  const rates = new Map(
    names.map((g) => {
      const { n, selected, tp, fp, fn, tn } = counts.get(g) ?? empty
      return [
        g,
        {
          n,
          n_labelled: tp + fp + fn + tn,
          selection_rate: ratio(selected, n),
          tpr: ratio(tp, tp + fn),
          fpr: ratio(fp, fp + tn),
          precision: ratio(tp, tp + fp),
        },
      ] as const
    }),
  )
  const ref = rates.get(referenceGroup)!
  const out: Record<string, GroupFairness> = {}
  for (const [g, r] of rates) {
    const tprGap = diff(r.tpr, ref.tpr)
    const fprGap = diff(r.fpr, ref.fpr)
    out[g] = {
      ...r,
      disparate_impact:
        r.selection_rate === null || ref.selection_rate === null
          ? null
          : ratio(r.selection_rate, ref.selection_rate),
      demographic_parity_difference: diff(r.selection_rate, ref.selection_rate),
      equal_opportunity_difference: tprGap,
      equalised_odds_difference:
        tprGap === null || fprGap === null ? null : Math.max(Math.abs(tprGap), Math.abs(fprGap)),
    }
  }
  const all = [...rates.values()]
  const sr = spread(all.map((r) => r.selection_rate))
  const tpr = spread(all.map((r) => r.tpr))
  const fpr = spread(all.map((r) => r.fpr))
  return {
    reference_group: referenceGroup,
    groups: out,
    summary: {
      demographic_parity_difference: sr && sr.max - sr.min,
      demographic_parity_ratio: sr && ratio(sr.min, sr.max),
      equal_opportunity_difference: tpr && tpr.max - tpr.min,
      equalized_odds_difference: tpr && fpr && Math.max(tpr.max - tpr.min, fpr.max - fpr.min),
    },
  }
}
