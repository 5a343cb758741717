import { type ClickHouse, insertRows, OUTCOMES, PREDICTIONS, toClickHouseTime } from '@vigil/clickhouse'
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import type { GroupCounts } from '@vigil/stats'
import { migratedClickHouse } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ModelWindow, windowKey, windowsGroupCounts } from '../src/index.js'

// Every window of a batch in two queries: models with different attributes and positive classes
// side by side, a model without fairness settings in the same time range, a window asked for that
// holds nothing. Each count must equal a direct count over the same rows. The predicted class is
// the event's label, else its most probable class; a prediction with a bare score names none and
// is left out.

const T0 = Date.UTC(2026, 10, 24, 10)
const H = 3_600_000
const MODELS: Record<string, Partial<ModelConfig>> = {
  loans: {
    positive_class: 'yes',
    sensitive_attributes: { gender: { reference_group: 'f' }, region: { reference_group: 'n' } },
  },
  fraud: { positive_class: 'fraud', sensitive_attributes: { region: { reference_group: 'n' } } },
  plain: {},
}
const settings = (m: string): ModelConfig => ({ ...DEFAULT_MODEL_CONFIG, window: H, ...MODELS[m] })

type Event = {
  model: string
  id: string
  time: number
  predicted: string
  /** How the event says its class: a label, probabilities only, or not at all (a bare score). */
  says: 'label' | 'probabilities' | 'score'
  actual?: string
  attributes: Record<string, string>
}
function events(): Event[] {
  const out: Event[] = []
  for (const model of Object.keys(MODELS))
    for (let i = 0; i < 300; i++) {
      const classes = model === 'fraud' ? ['fraud', 'ok'] : ['yes', 'no']
      const attributes: Record<string, string> = { region: ['n', 's', 'e'][(i * 7) % 3]! }
      if (i % 5 !== 0) attributes.gender = ['f', 'm'][i % 2]! // some predictions lack the attribute
      out.push({
        model,
        id: `${model}-${i}`,
        time: T0 + ((i * 37) % 120) * 60_000, // two hourly windows
        predicted: classes[(i * 11) % 3 === 0 ? 0 : 1]!,
        says: i % 7 === 3 ? 'probabilities' : i % 11 === 5 ? 'score' : 'label',
        ...(i % 4 !== 0 ? { actual: classes[(i * 13) % 5 < 2 ? 0 : 1]! } : {}), // a quarter unlabelled
        attributes,
      })
    }
  return out
}

/** The same counts, counted directly over the events. */
function expected(all: readonly Event[], w: ModelWindow) {
  const m = settings(w.modelId)
  const positive = m.positive_class!
  const out = new Map<string, Map<string, GroupCounts>>()
  for (const attribute of Object.keys(m.sensitive_attributes)) {
    const groups = new Map<string, GroupCounts>()
    for (const e of all) {
      const g = e.attributes[attribute]
      if (e.model !== w.modelId || e.time < w.start || e.time >= w.end || g === undefined) continue
      if (e.says === 'score') continue
      const c = groups.get(g) ?? { n: 0, selected: 0, tp: 0, fp: 0, fn: 0, tn: 0 }
      c.n++
      if (e.predicted === positive) c.selected++
      if (e.actual !== undefined) {
        const p = e.predicted === positive
        const a = e.actual === positive
        if (p && a) c.tp++
        else if (p) c.fp++
        else if (a) c.fn++
        else c.tn++
      }
      groups.set(g, c)
    }
    out.set(attribute, groups)
  }
  return out
}

/** The prediction columns of an event, as the recorder and the joiner store them. */
function stated(e: Event) {
  const other =
    e.predicted === 'yes' ? 'no' : e.predicted === 'no' ? 'yes' : e.predicted === 'fraud' ? 'ok' : 'fraud'
  if (e.says === 'label') return { predicted_label: e.predicted, score: null, probabilities: {} }
  if (e.says === 'score') return { predicted_label: null, score: 0.7, probabilities: {} }
  return { predicted_label: null, score: null, probabilities: { [other]: 0.3, [e.predicted]: 0.7 } }
}

let ch: ClickHouse
beforeAll(async () => {
  ch = await migratedClickHouse('fairness')
}, 60_000)
afterAll(async () => ch?.close())

describe('group counts of many windows at once', () => {
  it('equal a direct count for every window, attribute and group', async () => {
    const all = events()
    const common = { model_version: 'v1', predicted_value: null, attributes: {} }
    await insertRows(
      ch,
      PREDICTIONS,
      all.map((e, i) => ({
        ...common,
        model_id: e.model,
        prediction_id: e.id,
        event_time: toClickHouseTime(e.time),
        num_features: {},
        cat_features: {},
        missing_features: [],
        ...stated(e),
        attributes: e.attributes,
        kafka_topic: 'p',
        kafka_partition: 0,
        kafka_offset: i,
      })),
    )
    await insertRows(
      ch,
      OUTCOMES,
      all.flatMap((e, i) =>
        e.actual === undefined
          ? []
          : [
              {
                ...common,
                model_id: e.model,
                prediction_id: e.id,
                prediction_time: toClickHouseTime(e.time),
                label_time: toClickHouseTime(e.time + 86_400_000),
                label: e.actual,
                label_value: null,
                ...stated(e),
                attributes: e.attributes,
                label_partition: 0,
                label_offset: i,
              },
            ],
      ),
    )
    const window = (modelId: string, k: number): ModelWindow => ({
      modelId,
      modelVersion: 'v1',
      start: T0 + k * H,
      end: T0 + (k + 1) * H,
    })
    // Both windows of loans, the second of fraud, an empty third of fraud, and plain (not judged).
    const asked = [
      window('loans', 0),
      window('loans', 1),
      window('fraud', 1),
      window('fraud', 2),
      window('plain', 0),
    ]
    const read = await windowsGroupCounts(ch, asked, settings)

    expect([...read.keys()].sort()).toEqual(asked.slice(0, 4).map(windowKey).sort())
    for (const w of asked.slice(0, 4)) {
      const reading = read.get(windowKey(w))!
      const want = expected(all, w)
      expect([...reading.keys()].sort(), windowKey(w)).toEqual([...want.keys()].sort())
      for (const [attribute, groups] of want) {
        const got = reading.get(attribute)!
        expect(got.counts, `${windowKey(w)} ${attribute}`).toEqual(groups)
        const sum = (f: (c: GroupCounts) => number) => [...groups.values()].reduce((s, c) => s + f(c), 0)
        expect(got.predictions).toBe(sum((c) => c.n))
        expect(got.labelled).toBe(sum((c) => c.tp + c.fp + c.fn + c.tn))
      }
    }
    // The empty window is present with no groups; the first of loans has some of each kind.
    expect(read.get(windowKey(window('fraud', 2)))!.get('region')!.counts.size).toBe(0)
    const first = read
      .get(windowKey(window('loans', 0)))!
      .get('gender')!
      .counts.get('f')!
    expect(Math.min(first.n, first.selected, first.tp, first.fp, first.fn, first.tn)).toBeGreaterThan(0)
  }, 60_000)
})
