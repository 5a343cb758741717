import type { Condition, Rule } from '@vigil/config'
import type { MetricsMessage } from '@vigil/events'

/** What one rule saw in one window for one subject (a feature, attribute=group, or the model). */
export interface Observation {
  rule: Rule
  /** The alert this observation belongs to: rule × model × version × subject. */
  key: string
  modelId: string
  modelVersion: string
  /** A feature name, `attribute=group`, or '' for a model-level metric. */
  subject: string
  windowStart: number
  windowEnd: number
  /** The message's version: a re-published window has a higher one. */
  version: number
  value: number | null
  /** undefined: too few samples or labels (or no value) to judge; the alert keeps its state. */
  breached: boolean | undefined
}

export function alertKey(rule: string, modelId: string, modelVersion: string, subject: string): string {
  return [rule, modelId, modelVersion, subject].join('|')
}

export function breaches(c: Condition, v: number): boolean {
  switch (c.op) {
    case '>':
      return v > c.value
    case '>=':
      return v >= c.value
    case '<':
      return v < c.value
    case '<=':
      return v <= c.value
    case 'outside':
      return v < c.low || v > c.high
  }
}

/** `*` matches anything, `num_*` a prefix; otherwise the names must be equal. */
export function matches(selector: string | undefined, name: string): boolean {
  if (selector === undefined || selector === '*') return true
  if (!selector.includes('*')) return selector === name
  const pattern = selector.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${pattern}$`).test(name)
}

const FAMILY_OF_MESSAGE = {
  drift: 'drift',
  quality: 'drift',
  performance: 'performance',
  fairness: 'fairness',
}

/** The (subject, value) pairs a rule reads from a message. */
function valuesFor(rule: Rule, m: MetricsMessage): [string, number | null][] {
  const out: [string, number | null][] = []
  switch (rule.family) {
    case 'drift':
      if (rule.metric === 'drift_share') return m.drift_share === undefined ? [] : [['', m.drift_share]]
      for (const [feature, f] of Object.entries(m.features)) {
        if (!matches(rule.feature, feature)) continue
        if (rule.metric === 'drifted') out.push([feature, f.drifted ? 1 : 0])
        else if (rule.metric in f.metrics) out.push([feature, f.metrics[rule.metric] ?? null])
      }
      return out
    case 'quality':
      for (const [feature, q] of Object.entries(m.quality ?? {})) {
        const modelLevel = feature === '__model__'
        if (!modelLevel && !matches(rule.feature, feature)) continue
        if (rule.metric in q) out.push([modelLevel ? '' : feature, q[rule.metric] ?? null])
      }
      return out
    case 'performance':
      if (rule.metric === 'label_coverage')
        return m.label_coverage === undefined ? [] : [['', m.label_coverage]]
      return m.performance && rule.metric in m.performance ? [['', m.performance[rule.metric] ?? null]] : []
    case 'fairness':
      for (const [attribute, a] of Object.entries(m.fairness ?? {})) {
        if (!matches(rule.attribute, attribute)) continue
        for (const [group, metrics] of Object.entries(a.groups)) {
          if (group === a.reference_group || !matches(rule.group, group)) continue
          if (rule.metric in metrics) out.push([`${attribute}=${group}`, metrics[rule.metric] ?? null])
        }
      }
      return out
  }
}

/**
 * Every observation the rules make of one metrics message: for each rule whose model and family
 * match, one per subject it selects. A window with fewer than `min_samples` events, or a label
 * coverage under `min_label_coverage`, is not judged.
 */
export function observe(rules: readonly Rule[], m: MetricsMessage): Observation[] {
  const out: Observation[] = []
  const windowStart = Date.parse(m.window_start)
  const windowEnd = Date.parse(m.window_end)
  for (const rule of rules) {
    if (FAMILY_OF_MESSAGE[rule.family] !== m.family || !matches(rule.model, m.model_id)) continue
    const enough =
      m.n >= rule.min_samples &&
      (rule.min_label_coverage === 0 || (m.label_coverage ?? 0) >= rule.min_label_coverage)
    for (const [subject, value] of valuesFor(rule, m)) {
      out.push({
        rule,
        key: alertKey(rule.name, m.model_id, m.model_version, subject),
        modelId: m.model_id,
        modelVersion: m.model_version,
        subject,
        windowStart,
        windowEnd,
        version: m.version,
        value,
        breached: enough && value !== null ? breaches(rule.condition, value) : undefined,
      })
    }
  }
  return out
}
