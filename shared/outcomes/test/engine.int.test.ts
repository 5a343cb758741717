import { readFileSync } from 'node:fs'
import { type ClickHouse, insertRows, OUTCOMES, toClickHouseTime } from '@vigil/clickhouse'
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import { migratedClickHouse } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ModelWindow, type Outcome, performanceOf, windowKey, windowsPerformance } from '../src/index.js'

// The cases scikit-learn computed (shared/stats/fixtures/generate_performance.py), stored as
// outcomes and summed by the engine: the same numbers as sklearn, and as the rows in the process.
type Row = { actual: string | number; predicted: string | number; probabilities?: Record<string, number> }
type Case = { name: string; kind: string; positive_class?: string | null; rows: Row[]; expected: unknown }
const fixtures = JSON.parse(
  readFileSync(new URL('../../stats/fixtures/performance-cases.json', import.meta.url), 'utf8'),
) as { cases: Case[] }

const T0 = Date.UTC(2026, 10, 24, 10)
const H = 3_600_000
let ch: ClickHouse
beforeAll(async () => {
  ch = await migratedClickHouse('outcomes')
}, 60_000)
afterAll(async () => ch?.close())

/** The case's rows as outcomes of model `model`, in one window; `scoreOnly`: a bare P(positive). */
function asOutcomes(c: Case, scoreOnly = false): Outcome[] {
  return c.rows.map((r) => {
    if (c.kind === 'regression')
      return {
        prediction: { model_version: 'v1', prediction: { value: Number(r.predicted) } },
        label: r.actual,
      }
    const probabilities = r.probabilities
    const prediction =
      scoreOnly && probabilities
        ? { label: String(r.predicted), score: probabilities[c.positive_class!]! }
        : { label: String(r.predicted), ...(probabilities ? { probabilities } : {}) }
    return { prediction: { model_version: 'v1', prediction }, label: r.actual }
  })
}

async function store(model: string, outcomes: Outcome[]): Promise<void> {
  await insertRows(
    ch,
    OUTCOMES,
    outcomes.map((o, i) => ({
      model_id: model,
      model_version: 'v1',
      prediction_id: `p${i}`,
      prediction_time: toClickHouseTime(T0 + i),
      label_time: toClickHouseTime(T0 + H),
      label: String(o.label),
      label_value: typeof o.label === 'number' ? o.label : null,
      predicted_label: o.prediction.prediction.label ?? null,
      score: o.prediction.prediction.score ?? null,
      probabilities: o.prediction.prediction.probabilities ?? {},
      predicted_value: o.prediction.prediction.value ?? null,
      attributes: {},
      label_partition: 0,
      label_offset: String(i),
    })),
  )
}

const modelOf = (c: Case): ModelConfig => ({
  ...DEFAULT_MODEL_CONFIG,
  window: H,
  ...(c.kind === 'regression'
    ? { task: 'regression' }
    : c.positive_class
      ? { task: 'binary', positive_class: c.positive_class }
      : { task: 'multiclass' }),
})

/** AUC and log loss to 1e-6, the rest to 1e-9 (relative above 1), as the in-process parity test. */
function agree(got: unknown, want: unknown, path: string): void {
  if (typeof want === 'number') {
    expect(typeof got, `${path}: got ${String(got)}, expected ${want}`).toBe('number')
    const tol = /roc_auc|log_loss/.test(path) ? 1e-6 : 1e-9
    expect(Math.abs((got as number) - want), `${path}: got ${got}, expected ${want}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(want)),
    )
  } else if (want === null || typeof want !== 'object') expect(got, path).toEqual(want)
  else
    for (const [k, v] of Object.entries(want)) agree((got as Record<string, unknown>)[k], v, `${path}.${k}`)
}

const cases = fixtures.cases.filter((c) => c.kind !== 'fairness')
const window = (model: string): ModelWindow => ({
  modelId: model,
  modelVersion: 'v1',
  start: T0,
  end: T0 + H,
})
const byModel = new Map<string, ModelConfig>()
const settings = (m: string) => byModel.get(m) ?? { ...DEFAULT_MODEL_CONFIG, window: H }

/** One window's accuracy, asked for alone. */
async function windowPerformance(ch: ClickHouse, w: ModelWindow, model: ModelConfig) {
  byModel.set(w.modelId, model)
  const got = (await windowsPerformance(ch, [w], settings)).get(windowKey(w))
  if (!got) throw new Error(`no accuracy for ${w.modelId}`)
  return got
}

describe('a window summed by the engine agrees with scikit-learn and with the rows in the process', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const model = `case${i}`
    const outcomes = asOutcomes(c)
    await store(model, outcomes)
    const got = await windowPerformance(ch, window(model), modelOf(c))
    expect(got.nLabelled).toBe(c.rows.length)
    agree(got.performance.performance, c.expected, c.kind)
    agree(got.performance, performanceOf(outcomes, modelOf(c)), 'in-process')
  })

  it('every case at once: one query per step for all the windows, each window its own numbers', async () => {
    // The cases the test above stored (tests of a file run in order), and an empty hour after the first.
    const windows = cases.map((_, i) => window(`case${i}`))
    const all = await windowsPerformance(
      ch,
      [...windows, { ...window('case0'), start: T0 + H, end: T0 + 2 * H }],
      settings,
    )
    expect(all.size).toBe(cases.length) // the empty window is absent
    for (const [i, c] of cases.entries())
      agree(all.get(windowKey(windows[i]!))!.performance.performance, c.expected, `${c.name} (batched)`)
  })

  it('a binary model that sends only P(positive) as its score', async () => {
    const binary = cases.filter((c) => c.kind === 'classification' && c.positive_class)
    for (const [i, c] of binary.entries()) {
      const model = `score${i}`
      await store(model, asOutcomes(c, true))
      const got = await windowPerformance(ch, window(model), modelOf(c))
      agree(got.performance.performance, c.expected, `${c.name} (score only)`)
    }
  })

  it('decides the task as the process does when vigil.yaml does not say, and notes what it left out', async () => {
    // Labels 0/1 with a score and no positive class configured: binary, positive '1'; two outcomes
    // whose prediction has neither label nor probabilities are left out and said so.
    const outcomes: Outcome[] = Array.from({ length: 40 }, (_, i) => ({
      prediction: {
        model_version: 'v1',
        prediction: i < 2 ? {} : { label: String(i % 3 === 0 ? 1 : 0), score: (i % 7) / 7 },
      },
      label: i % 2,
    }))
    await store('implied', outcomes)
    const model = { ...DEFAULT_MODEL_CONFIG, window: H }
    const got = await windowPerformance(ch, window('implied'), model)
    const want = performanceOf(outcomes, model)
    expect(got.performance.task).toBe('binary')
    expect(got.performance.notes).toEqual(want.notes)
    agree(got.performance, want, 'implied')
  })
})
