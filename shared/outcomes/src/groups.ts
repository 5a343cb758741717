import {
  type ClickHouse,
  groupConfusionQuery,
  groupSelectionsQuery,
  runQuery,
  windowsParams,
} from '@vigil/clickhouse'
import type { ModelConfig } from '@vigil/config'
import type { GroupCounts } from '@vigil/stats'
import { type ModelWindow, windowKey } from './windows.js'

/** Per sensitive attribute of a window: its groups' counts as ClickHouse holds them. */
export type WindowReading = Map<
  string,
  { counts: Map<string, GroupCounts>; predictions: number; labelled: number }
>

/** Fairness can judge a model with a positive class and at least one sensitive attribute. */
export const judged = (m: ModelConfig) =>
  m.positive_class !== undefined && Object.keys(m.sensitive_attributes).length > 0

/**
 * Per window and sensitive attribute: each group's predictions and selections over the recorded
 * predictions, its confusion counts over the outcomes; every window in two queries. A selection is
 * a predicted class equal to the model's positive class. Keyed by {@link windowKey}; every window
 * of a judged model is present, with every attribute of it.
 */
export async function windowsGroupCounts(
  ch: ClickHouse,
  windows: readonly ModelWindow[],
  settings: (modelId: string) => ModelConfig,
): Promise<Map<string, WindowReading>> {
  const counts = new Map<string, Map<string, Map<string, GroupCounts>>>()
  const judgedWindows = windows.filter((w) => judged(settings(w.modelId)))
  if (judgedWindows.length === 0) return new Map()
  const attributes: Record<string, string[]> = {}
  const positive: Record<string, string> = {}
  for (const w of judgedWindows) {
    const m = settings(w.modelId)
    attributes[w.modelId] = Object.keys(m.sensitive_attributes)
    positive[w.modelId] = m.positive_class!
  }
  for (const w of judgedWindows)
    counts.set(windowKey(w), new Map(attributes[w.modelId]!.map((a) => [a, new Map<string, GroupCounts>()])))
  const params = { ...windowsParams(judgedWindows), attributes, positive }
  const group = (window: string, attribute: string, g: string) => {
    const groups = counts.get(window)?.get(attribute)
    if (!groups) return undefined
    const c = groups.get(g) ?? { n: 0, selected: 0, tp: 0, fp: 0, fn: 0, tn: 0 }
    groups.set(g, c)
    return c
  }
  for (const r of await runQuery(ch, groupSelectionsQuery, params)) {
    const c = group(r.window, r.attribute, r.g)
    if (c) Object.assign(c, { n: Number(r.n), selected: Number(r.selected) })
  }
  for (const r of await runQuery(ch, groupConfusionQuery, params)) {
    const c = group(r.window, r.attribute, r.g)
    if (c) Object.assign(c, { tp: Number(r.tp), fp: Number(r.fp), fn: Number(r.fn), tn: Number(r.tn) })
  }
  const total = (groups: Map<string, GroupCounts>, f: (c: GroupCounts) => number) =>
    [...groups.values()].reduce((s, c) => s + f(c), 0)
  return new Map(
    [...counts].map(([key, byAttribute]) => [
      key,
      new Map(
        [...byAttribute].map(([attribute, groups]) => [
          attribute,
          {
            counts: groups,
            predictions: total(groups, (c) => c.n),
            labelled: total(groups, (c) => c.tp + c.fp + c.fn + c.tn),
          },
        ]),
      ),
    ]),
  )
}
