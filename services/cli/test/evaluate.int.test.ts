import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputFileError } from '@vigil/baselines'
import { type ClickHouse, connectClickHouse } from '@vigil/clickhouse'
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '@vigil/config'
import type { LabelEvent, PredictionEvent } from '@vigil/events'
import type { Evaluation } from '@vigil/outcomes'
import { makeLabel, makePrediction, testDataDir, uniqueName } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EvaluateFiles, evaluateFiles } from '../src/evaluate/engine.js'
import { evaluateInProcess } from '../src/evaluate/process.js'

// `vigil evaluate` on the embedded engine: the numbers of scikit-learn and Fairlearn (the fixtures
// of shared/stats), the same report as the files read in the process, and no line the event
// parser would refuse taken as valid.

type Row = {
  actual?: string | number
  predicted?: string | number
  probabilities?: Record<string, number>
  group?: string
  selected?: boolean
  positive?: boolean
}
type Case = {
  name: string
  kind: 'classification' | 'regression' | 'fairness'
  positive_class?: string | null
  reference_group?: string
  rows: Row[]
  expected: Record<string, unknown>
}
const fixtures = JSON.parse(
  readFileSync(new URL('../../../shared/stats/fixtures/performance-cases.json', import.meta.url), 'utf8'),
) as { cases: Case[] }

const dir = mkdtempSync(join(tmpdir(), 'vigil-evaluate-engine-'))
let ch: ClickHouse
beforeAll(async () => {
  ch = await connectClickHouse({ database: 'default', data_dir: testDataDir() })
}, 60_000)
afterAll(async () => ch?.close())

let files = 0
function write(lines: readonly (object | string)[]): string {
  const file = join(dir, `f${files++}.ndjson`)
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'))
  return file
}

function filesOf(
  predictions: readonly (object | string)[],
  labels: readonly (object | string)[],
  model: Partial<ModelConfig> = {},
): EvaluateFiles {
  return {
    predictions: write(predictions),
    labels: write(labels),
    pick: (models) => [...models].sort()[0]!,
    settings: () => ({ ...DEFAULT_MODEL_CONFIG, ...model }),
  }
}

/** Each evaluation in a database of its own, as the command's scratch engine is. */
const onEngine = (f: EvaluateFiles) => evaluateFiles({ ...ch, database: uniqueName('evaluate') }, f)

/**
 * Numbers to 1e-9 (relative above 1), everything else equal; against scikit-learn, AUC and log
 * loss to 1e-6, as its other parity tests (the fixtures keep six digits of each probability).
 */
function agree(got: unknown, want: unknown, path: string, sklearn = false): void {
  if (typeof want === 'number') {
    expect(typeof got, `${path}: got ${String(got)}, expected ${want}`).toBe('number')
    const tol = sklearn && /roc_auc|log_loss/.test(path) ? 1e-6 : 1e-9
    expect(Math.abs((got as number) - want), `${path}: got ${got}, expected ${want}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(want)),
    )
  } else if (want === null || typeof want !== 'object') expect(got, path).toEqual(want)
  else {
    expect(Object.keys(got as object).sort(), path).toEqual(Object.keys(want).sort())
    for (const [k, v] of Object.entries(want))
      agree((got as Record<string, unknown>)[k], v, `${path}.${k}`, sklearn)
  }
}

/** The report of both readings, which must agree. */
async function bothWays(f: EvaluateFiles): Promise<Evaluation> {
  const engine = await onEngine(f)
  expect(engine, 'the engine vouched for the files').toBeDefined()
  const process = await evaluateInProcess(f)
  agree(engine, process, 'engine vs process')
  // Same order of attributes and notes, as a person reads them.
  expect(Object.keys(engine!.fairness)).toEqual(Object.keys(process.fairness))
  return engine!
}

const prediction = (i: number, p: PredictionEvent['prediction'], over: Partial<PredictionEvent> = {}) =>
  makePrediction(i, { model_id: 'm', prediction_id: `p${i}`, prediction: p, ...over })
const label = (i: number, value: string | number, over: Partial<LabelEvent> = {}) =>
  makeLabel(i, { model_id: 'm', prediction_id: `p${i}`, label: value, ...over })

/** A fixture case as the events a service would have sent. */
function eventsOf(c: Case): {
  predictions: PredictionEvent[]
  labels: LabelEvent[]
  model: Partial<ModelConfig>
} {
  if (c.kind === 'fairness')
    return {
      predictions: c.rows.map((r, i) =>
        prediction(i, { label: r.selected ? 'yes' : 'no' }, { attributes: { g: r.group! } }),
      ),
      labels: c.rows.flatMap((r, i) =>
        r.positive === undefined ? [] : [label(i, r.positive ? 'yes' : 'no')],
      ),
      model: { positive_class: 'yes', sensitive_attributes: { g: { reference_group: c.reference_group! } } },
    }
  return {
    predictions: c.rows.map((r, i) =>
      prediction(
        i,
        c.kind === 'regression'
          ? { value: Number(r.predicted) }
          : { label: String(r.predicted), ...(r.probabilities ? { probabilities: r.probabilities } : {}) },
      ),
    ),
    labels: c.rows.map((r, i) => label(i, r.actual!)),
    model:
      c.kind === 'regression'
        ? { task: 'regression' }
        : c.positive_class
          ? { task: 'binary', positive_class: c.positive_class }
          : { task: 'multiclass' },
  }
}

describe('vigil evaluate on the engine agrees with scikit-learn, Fairlearn and the process', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const { predictions, labels, model } = eventsOf(c)
      const got = await bothWays(filesOf(predictions, labels, model))
      if (c.kind !== 'fairness') {
        agree(got.performance, c.expected, c.kind, true)
        return
      }
      // A group no event names is not in the report; the fixture lists one to check its nulls.
      const groups = Object.fromEntries(
        Object.entries(c.expected.groups as object).filter(([g]) => c.rows.some((r) => r.group === g)),
      )
      agree(got.fairness.g, { ...c.expected, groups }, 'fairness', true)
    },
    60_000,
  )

  it('joins as the joiner does, infers what vigil.yaml does not say, and notes what it left out', async () => {
    const predictions: (PredictionEvent | string)[] = []
    const labels: (LabelEvent | string)[] = []
    for (let i = 0; i < 300; i++) {
      const p = (i % 10) / 10
      const says =
        i % 13 === 0
          ? { score: p } // names no class: left out of accuracy and fairness
          : i % 3 === 0
            ? { probabilities: { '1': p, '0': 1 - p } } // the most probable class
            : { label: p >= 0.5 ? '1' : '0', score: p }
      predictions.push(
        prediction(i, says, {
          model_version: `v${i % 3}`,
          // A number, a boolean and a null among the attributes; `tier` first appears late.
          attributes: { region: ['eu', 'us', 'eu'][i % 3]!, age: (i % 4) * 10, vip: i % 5 === 0, gone: null },
          ...(i > 100 ? { attributes: { tier: `t${i % 2}`, region: 'ap' } } : {}),
        }),
      )
      if (i % 4 !== 0) labels.push(label(i, i % 7 < 3 ? 1 : 0)) // numeric 0/1: binary, positive 1
    }
    predictions.push(prediction(5, { label: '1' }), '', '   ') // a repeated id, blank lines
    labels.push(label(1, 0), label(999, 1)) // a second label, a label without prediction
    labels.push(label(2, 1, { model_id: 'other' })) // another model's label: not this model's
    predictions.push(prediction(7, { label: '0' }, { model_id: 'other' }))
    const got = await bothWays(filesOf(predictions, labels))
    expect(got.task).toBe('binary')
    expect(got.positive_class).toBe('1')
    expect(got.model_versions).toEqual(['v0', 'v1', 'v2'])
    expect(got.n_predictions).toBe(300)
    expect(Object.keys(got.fairness)).toEqual(['region', 'age', 'vip', 'tier'])
    expect(got.notes.join('\n')).toMatch(/1 labels have no prediction/)
    expect(got.notes.join('\n')).toMatch(/1 repeated labels ignored/)
    expect(got.notes.join('\n')).toMatch(/1 repeated predictions ignored/)
  }, 60_000)

  it('multiclass from probabilities alone, and regression, without vigil.yaml', async () => {
    const classes = ['cat', 'dog', 'eel']
    const multi = Array.from({ length: 90 }, (_, i) =>
      prediction(i, {
        probabilities: Object.fromEntries(classes.map((c, k) => [c, ((i + k * 7) % 10) / 30 + 0.01])),
      }),
    )
    await bothWays(
      filesOf(
        multi,
        multi.map((_, i) => label(i, classes[i % 3]!)),
      ),
    )
    const values = Array.from({ length: 50 }, (_, i) => prediction(i, { value: i * 1.5 + 0.25 }))
    const got = await bothWays(
      filesOf(
        values,
        values.map((_, i) => label(i, i * 1.4 + (i % 3))),
      ),
    )
    expect(got.task).toBe('regression')
  }, 60_000)

  it('reads values as the event parser does: escapes, Unicode, offsets, CRLF line ends', async () => {
    const ps = [
      prediction(0, { label: 'caf\u00e9 "au lait"' }, { timestamp: '2024-02-29 23:59:59.5+05:30' }),
      prediction(1, { label: '\u{1F600}' }, { attributes: { 'r\u00e9gion': 'x\\y', n: -0, big: 1.5e15 } }),
      prediction(2, { label: 'a' }, { timestamp: '2026-12-31t00:00:00z' }),
    ]
    const ls = [label(0, 'caf\u00e9 "au lait"'), label(1, 'a'), label(2, '\u{1F600}')]
    const text = (xs: object[]) => `${xs.map((x) => JSON.stringify(x)).join('\r\n')}\r\n`
    const f = filesOf([], [], { positive_class: 'a', task: 'binary' })
    writeFileSync(f.predictions, text(ps))
    writeFileSync(f.labels, text(ls))
    await bothWays(f)
  }, 60_000)
})

describe('a line the engine does not vouch for is read in the process', () => {
  const valid = prediction(0, { label: 'a', score: 0.5, probabilities: { a: 0.5, b: 0.5 } })
  const validLabel = label(0, 'a')
  const mutated = (e: object, mutate: (x: Record<string, unknown>) => void) => {
    const x = structuredClone(e) as Record<string, unknown>
    mutate(x)
    return x
  }
  // One line per rule of schemas/events (the contract tests' list, and more): each is refused.
  const predictionLines: [string, string][] = [
    ['required field', mutated(valid, (e) => delete e.prediction_id)],
    ['unknown field', mutated(valid, (e) => (e.extra = 1))],
    ['prediction_id empty', mutated(valid, (e) => (e.prediction_id = ''))],
    ['prediction_id too long', mutated(valid, (e) => (e.prediction_id = 'x'.repeat(129)))],
    ['prediction_id a number', mutated(valid, (e) => (e.prediction_id = 7))],
    ['model_id charset', mutated(valid, (e) => (e.model_id = 'fraud detector'))],
    ['model_id too long', mutated(valid, (e) => (e.model_id = 'm'.repeat(129)))],
    ['model_version type', mutated(valid, (e) => (e.model_version = 3))],
    ['model_version empty', mutated(valid, (e) => (e.model_version = ''))],
    ['timestamp without zone', mutated(valid, (e) => (e.timestamp = '2026-11-24T10:00:00'))],
    ['timestamp not a date', mutated(valid, (e) => (e.timestamp = 'yesterday'))],
    ['timestamp February 30', mutated(valid, (e) => (e.timestamp = '2026-02-30T10:00:00Z'))],
    ['timestamp February 29 of 2100', mutated(valid, (e) => (e.timestamp = '2100-02-29T10:00:00Z'))],
    ['timestamp hour 24', mutated(valid, (e) => (e.timestamp = '2026-11-24T24:00:00Z'))],
    ['timestamp offset hour 24', mutated(valid, (e) => (e.timestamp = '2026-11-24T10:00:00+24:00'))],
    ['timestamp a number', mutated(valid, (e) => (e.timestamp = 1_700_000_000))],
    ['features not an object', mutated(valid, (e) => (e.features = [1, 2]))],
    ['features missing', mutated(valid, (e) => delete e.features)],
    ['feature value an object', mutated(valid, (e) => (e.features = { a: { b: 1 } }))],
    ['feature value an array', mutated(valid, (e) => (e.features = { a: [1] }))],
    ['feature name empty', mutated(valid, (e) => (e.features = { '': 1 }))],
    ['feature name too long', mutated(valid, (e) => (e.features = { ['f'.repeat(129)]: 1 }))],
    ['feature string too long', mutated(valid, (e) => (e.features = { a: 'x'.repeat(1025) }))],
    ['feature string too long, escaped', mutated(valid, (e) => (e.features = { a: '\u00e9'.repeat(1025) }))],
    [
      'too many features',
      mutated(
        valid,
        (e) => (e.features = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}`, i]))),
      ),
    ],
    ['prediction empty', mutated(valid, (e) => (e.prediction = {}))],
    ['prediction not an object', mutated(valid, (e) => (e.prediction = 'a'))],
    ['prediction unknown field', mutated(valid, (e) => (e.prediction = { class: 'a' }))],
    ['label empty', mutated(valid, (e) => (e.prediction = { label: '' }))],
    ['label a number', mutated(valid, (e) => (e.prediction = { label: 1 }))],
    ['label too long', mutated(valid, (e) => (e.prediction = { label: 'l'.repeat(257) }))],
    ['score not a number', mutated(valid, (e) => (e.prediction = { score: '0.5' }))],
    ['value not a number', mutated(valid, (e) => (e.prediction = { value: true }))],
    ['probabilities not an object', mutated(valid, (e) => (e.prediction = { probabilities: [0.5] }))],
    ['probability above 1', mutated(valid, (e) => (e.prediction = { probabilities: { a: 1.5 } }))],
    ['probability below 0', mutated(valid, (e) => (e.prediction = { probabilities: { a: -0.1 } }))],
    ['probability a string', mutated(valid, (e) => (e.prediction = { probabilities: { a: '1' } }))],
    ['probability name empty', mutated(valid, (e) => (e.prediction = { probabilities: { '': 1 } }))],
    ['attributes not an object', mutated(valid, (e) => (e.attributes = 'eu'))],
    ['attributes value array', mutated(valid, (e) => (e.attributes = { g: [] }))],
    ['attribute string too long', mutated(valid, (e) => (e.attributes = { g: 'x'.repeat(1025) }))],
    [
      'too many attributes',
      mutated(
        valid,
        (e) => (e.attributes = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`a${i}`, i]))),
      ),
    ],
    ['attribute a number JavaScript writes otherwise', mutated(valid, (e) => (e.attributes = { g: 1e21 }))],
    ['schema_version unknown', mutated(valid, (e) => (e.schema_version = 2))],
    ['schema_version missing', mutated(valid, (e) => delete e.schema_version)],
    ['schema_version a string', mutated(valid, (e) => (e.schema_version = '1'))],
  ].map(([name, e]) => [name as string, JSON.stringify(e)])
  const text = JSON.stringify(valid)
  predictionLines.push(
    ['bad JSON', '{"schema_version": 1,'],
    ['NaN', text.replace('0.5,', 'NaN,')],
    ['a number beyond Float64', text.replace('0.5,', '1e999,')],
    ['an array', '[1]'],
    [
      'a twin key (JSON.parse keeps the last)',
      text.replace('"model_id":"m"', '"model_id":"m","model_id":"x"'),
    ],
    ['a twin feature', text.replace('"num_0":', '"num_0":1,"num_0":')],
    ['two events on a line', `${text}${text}`],
    ['an event over two lines', JSON.stringify(valid, null, 1)],
    ['a lone CR inside', text.replace(',"features"', ',\r"features"')],
    // The engine's JSON parser takes no integer beyond 64 bits, where JSON.parse rounds it.
    ['an integer beyond 64 bits', text.replace('0.5,', '150000000000000000000,')],
    ['over the size limit', JSON.stringify({ ...valid, features: { blob: 'x'.repeat(300_000) } })],
  )
  it('the valid events these lines are made from are vouched for', async () => {
    expect(await onEngine(filesOf([valid], [validLabel]))).toBeDefined()
  }, 30_000)

  it.each(predictionLines)(
    'prediction: %s',
    async (name, line) => {
      const f = filesOf([valid, line], [validLabel])
      expect(await onEngine(f)).toBeUndefined()
      // Some lines the process reads its own way (twins, big integers): refused by the engine only.
      if (!/twin|64 bits|writes otherwise/.test(name))
        await expect(evaluateInProcess(f)).rejects.toThrow(InputFileError)
    },
    30_000,
  )

  const labelLines: [string, string][] = [
    ['label empty', mutated(validLabel, (e) => (e.label = ''))],
    ['label too long', mutated(validLabel, (e) => (e.label = 'l'.repeat(257)))],
    ['label an object', mutated(validLabel, (e) => (e.label = { a: 1 }))],
    ['label a boolean', mutated(validLabel, (e) => (e.label = true))],
    ['label missing', mutated(validLabel, (e) => delete e.label)],
    ['model_version present', mutated(validLabel, (e) => (e.model_version = 'v1'))],
    ['model_id charset', mutated(validLabel, (e) => (e.model_id = 'a b'))],
    ['timestamp not a date', mutated(validLabel, (e) => (e.timestamp = '2026-13-01T00:00:00Z'))],
    ['schema_version unknown', mutated(validLabel, (e) => (e.schema_version = 3))],
    ['a label number JavaScript writes otherwise', mutated(validLabel, (e) => (e.label = 1e300))],
  ].map(([name, e]) => [name as string, JSON.stringify(e)])
  it.each(labelLines)(
    'label: %s',
    async (name, line) => {
      const f = filesOf([valid], [validLabel, line])
      expect(await onEngine(f)).toBeUndefined()
      if (!/writes otherwise/.test(name)) await expect(evaluateInProcess(f)).rejects.toThrow(InputFileError)
    },
    30_000,
  )

  it('and the process names the line, with its file', async () => {
    const f = filesOf([valid, '', predictionLines[0]![1]], [validLabel])
    expect(await onEngine(f)).toBeUndefined()
    await expect(evaluateInProcess(f)).rejects.toThrow(InputFileError)
    await expect(evaluateInProcess(f)).rejects.toThrow(/:3: not a valid prediction event: .*prediction_id/)
  }, 30_000)

  it('an empty file is read in the process, which says so', async () => {
    const f = filesOf([], [validLabel])
    expect(await onEngine(f)).toBeUndefined()
    await expect(evaluateInProcess(f)).rejects.toThrow(/the file has no prediction events/)
  }, 30_000)
})
