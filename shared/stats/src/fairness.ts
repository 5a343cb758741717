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

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b)
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b)

function spread(values: (number | null)[]): { min: number; max: number } | null {
  const defined = values.filter((v): v is number => v !== null)
  return defined.length === 0 ? null : { min: Math.min(...defined), max: Math.max(...defined) }
}

/** @param groups every group to report, seen or not (an empty one gets nulls); seen ones are added. */
export function fairnessMetrics(
  rows: readonly FairnessRow[],
  referenceGroup: string,
  groups: readonly string[] = [],
): AttributeFairness {
  const names = [...new Set([referenceGroup, ...groups, ...rows.map((r) => r.group)])].sort()
  const rates = new Map(
    names.map((g) => {
      const mine = rows.filter((r) => r.group === g)
      const labelled = mine.filter((r) => r.positive !== undefined)
      const count = (selected: boolean, positive: boolean) =>
        labelled.filter((r) => r.selected === selected && r.positive === positive).length
      const [tp, fp, fn, tn] = [
        count(true, true),
        count(true, false),
        count(false, true),
        count(false, false),
      ]
      return [
        g,
        {
          n: mine.length,
          n_labelled: labelled.length,
          selection_rate: ratio(mine.filter((r) => r.selected).length, mine.length),
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
