import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputFileError, readTable } from '@vigil/baselines'
import { type ClickHouse, connectClickHouse } from '@vigil/clickhouse'
import { categoricalDrift, type FeatureDrift, numericalDrift } from '@vigil/stats'
import { testDataDir } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareFiles } from '../src/drift-check/engine.js'

// `vigil drift-check` on the embedded engine: the same numbers as SciPy (the fixtures of
// shared/stats), and as the statistics over the same files read in the process.

interface Case {
  name: string
  type: 'numerical' | 'categorical'
  reference?: (number | string)[]
  current?: (number | string)[]
  large_sample?: [number, number, number, number, number]
  expected: Record<string, number> | null
}
const fixtures = JSON.parse(
  readFileSync(new URL('../../../shared/stats/fixtures/drift-cases.json', import.meta.url), 'utf8'),
) as { scipy: string; cases: Case[] }

/** The generator's large_sample (as in shared/stats' parity test). */
const largeSample = (n: number, multiplier: number, shift: number) =>
  Array.from({ length: n }, (_, i) => ((i * multiplier) % 10007) / 1000 + shift)
function samples(c: Case): [(number | string)[], (number | string)[]] {
  if (!c.large_sample) return [c.reference ?? [], c.current ?? []]
  const [n1, n2, m1, m2, shift] = c.large_sample
  return [largeSample(n1, m1, 0), largeSample(n2, m2, shift)]
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-drift-check-engine-'))
let ch: ClickHouse
beforeAll(async () => {
  ch = await connectClickHouse({ database: 'default', data_dir: testDataDir() })
}, 60_000)
afterAll(async () => {
  await ch?.close()
})

/** Columns of different lengths as one file: NDJSON rows lack a column past its end, CSV leaves it empty. */
function write(
  name: string,
  columns: Record<string, readonly (number | string)[]>,
  format: 'csv' | 'ndjson',
) {
  const file = join(dir, `${name}.${format}`)
  const names = Object.keys(columns)
  const rows = Math.max(0, ...Object.values(columns).map((v) => v.length))
  const lines: string[] = format === 'csv' ? [names.join(',')] : []
  for (let i = 0; i < rows; i++) {
    if (format === 'csv') lines.push(names.map((n) => columns[n]![i] ?? '').join(','))
    else
      lines.push(
        JSON.stringify(
          Object.fromEntries(names.flatMap((n) => (i < columns[n]!.length ? [[n, columns[n]![i]]] : []))),
        ),
      )
  }
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

const sides = (cases: readonly Case[]) => {
  const ref: Record<string, (number | string)[]> = {}
  const cur: Record<string, (number | string)[]> = {}
  cases.forEach((c, i) => {
    ;[ref[`c${i}`], cur[`c${i}`]] = samples(c)
  })
  return { ref, cur }
}

/** The statistics of the same files read in the process (readTable), column by column. */
async function inProcess(reference: string, current: string): Promise<Record<string, FeatureDrift>> {
  const [r, c] = [await readTable(reference), await readTable(current)]
  const out: Record<string, FeatureDrift> = {}
  for (const name of new Set([...r.columns.keys(), ...c.columns.keys()])) {
    const a = r.columns.get(name) ?? { numbers: [], texts: [] }
    const b = c.columns.get(name) ?? { numbers: [], texts: [] }
    out[name] =
      a.texts.length === 0 && b.texts.length === 0
        ? numericalDrift(a.numbers, b.numbers)
        : categoricalDrift([...a.texts, ...a.numbers.map(String)], [...b.texts, ...b.numbers.map(String)])
  }
  return out
}

function expectClose(
  got: Record<string, FeatureDrift>,
  want: Record<string, FeatureDrift>,
  tolerance: number,
) {
  expect(Object.keys(got)).toEqual(Object.keys(want))
  for (const [name, w] of Object.entries(want))
    for (const [metric, v] of Object.entries(w)) {
      const g = (got[name] as unknown as Record<string, unknown>)[metric]
      if (typeof v === 'number')
        expect(Math.abs((g as number) - v), `${name}.${metric}: ${g} vs ${v}`).toBeLessThanOrEqual(tolerance)
      else expect(g, `${name}.${metric}`).toEqual(v)
    }
}

describe(`drift-check on the engine agrees with SciPy ${fixtures.scipy}`, () => {
  it('every fixture case at once, as NDJSON and as CSV, to 1e-6', async () => {
    const { ref, cur } = sides(fixtures.cases)
    for (const format of ['ndjson', 'csv'] as const) {
      const types = new Map(fixtures.cases.map((c, i) => [`c${i}`, c.type] as const))
      const report = await compareFiles(
        ch,
        write(`ref-all`, ref, format),
        write(`cur-all`, cur, format),
        types,
      )
      for (const [i, c] of fixtures.cases.entries()) {
        const got = report.features[`c${i}`] as unknown as Record<string, number | null>
        expect(got, c.name).toBeDefined()
        if (c.expected === null) {
          expect(got.drift_test, c.name).toBe('none')
          continue
        }
        for (const [metric, want] of Object.entries(c.expected))
          expect(
            Math.abs((got[metric] ?? Number.NaN) - want),
            `${format} ${c.name} ${metric}: ${got[metric]} vs ${want}`,
          ).toBeLessThanOrEqual(1e-6)
      }
    }
  }, 120_000)
})

describe('drift-check on the engine gives what the files read in the process give', () => {
  // Ties (rounded values), missing spellings, numbers in a categorical column, a new category,
  // a column only the current file has.
  const n = 3000
  const values = (seed: number, shift: number) => {
    let x = seed
    const next = () => {
      x = (x * 48271) % 2147483647
      return x / 2147483647
    }
    return {
      amount: Array.from({ length: n }, (_, i) =>
        i % 97 === 0 ? 'NA' : Math.round((next() * 100 + shift) * 10) / 10,
      ),
      age: Array.from({ length: n }, () => Math.floor(next() * 60 + 18 + shift / 10)),
      plan: Array.from({ length: n }, (_, i) =>
        i % 50 === 0 ? '' : ['basic', 'pro', 7, 'team'][Math.floor(next() * (shift > 0 ? 4 : 3))]!,
      ),
    }
  }
  it('CSV, NDJSON and Parquet: the same report as the process, to 1e-9', async () => {
    const ref = values(7, 0)
    const cur = { ...values(11, 5), extra: [1, 2, 3] }
    const csv = [write('ref-p', ref, 'csv'), write('cur-p', cur, 'csv')] as const
    expectClose((await compareFiles(ch, ...csv)).features, await inProcess(...csv), 1e-9)
    // NDJSON has no missing spellings: null is missing, and 'NA' stays text; leave those out.
    const json = (v: Record<string, readonly (number | string)[]>) =>
      Object.fromEntries(Object.entries(v).map(([k, xs]) => [k, xs.filter((x) => x !== 'NA' && x !== '')]))
    const nd = [write('ref-p', json(ref), 'ndjson'), write('cur-p', json(cur), 'ndjson')] as const
    expectClose((await compareFiles(ch, ...nd)).features, await inProcess(...nd), 1e-9)
    // Parquet as the engine writes it from the NDJSON: typed columns (the number 7 among the plans
    // becomes text, as the process reads it), NULL where a row lacks the column.
    const parquet = await Promise.all(
      nd.map(async (file) => {
        const out = file.replace(/\.ndjson$/, '.parquet')
        await ch.client.command({
          query: `INSERT INTO FUNCTION file({out:String}, Parquet)
                  SELECT * FROM file({in:String}, JSONEachRow, {structure:String})
                  SETTINGS engine_file_truncate_on_insert = 1`,
          query_params: {
            out,
            in: file,
            structure:
              'amount Nullable(Float64), age Nullable(Int64), plan Nullable(String), extra Nullable(Int64)',
          },
        })
        return out
      }),
    )
    const fromParquet = (await compareFiles(ch, parquet[0]!, parquet[1]!)).features
    // Parquet has every column in both files (extra is all NULL in the reference), so compare the rest.
    const { extra: _, ...rest } = fromParquet
    const { extra: __, ...wanted } = await inProcess(...nd)
    expectClose(rest, wanted, 1e-9)
  }, 120_000)
})

describe('drift-check on the engine: types and bad input', () => {
  const ref = { amount: [1, 2, 3, 4, 5], country: ['DE', 'FR', 'DE'], zip: [10115, 80331] }
  const cur = { amount: [2, 3, 4, 5, 6], country: ['DE', 'NL'], zip: [10115, 20095] }

  it('infers numerical and categorical columns and uses exactly the documented metric names', async () => {
    const report = await compareFiles(ch, write('ref-t', ref, 'csv'), write('cur-t', cur, 'csv'))
    expect(Object.keys(report.features)).toEqual(['amount', 'country', 'zip'])
    expect(Object.keys(report.features.amount!).sort()).toEqual(
      [
        'type',
        'n_reference',
        'n_current',
        'psi',
        'ks_statistic',
        'ks_p_value',
        'wasserstein',
        'wasserstein_norm',
        'jensen_shannon',
        'hellinger',
        'drifted',
        'drift_test',
      ].sort(),
    )
    expect(Object.keys(report.features.country!).sort()).toEqual(
      [
        'type',
        'n_reference',
        'n_current',
        'psi',
        'chi2_statistic',
        'chi2_p_value',
        'jensen_shannon',
        'linf',
        'new_category_share',
        'drifted',
        'drift_test',
      ].sort(),
    )
    expect(report.features.zip!.type).toBe('numerical')
    expect(report.features.country).toMatchObject({ new_category_share: 0.5, n_reference: 3, n_current: 2 })
  })

  it('lets --type make a numeric-looking column categorical', async () => {
    const report = await compareFiles(
      ch,
      write('ref-t', ref, 'csv'),
      write('cur-t', cur, 'csv'),
      new Map([['zip', 'categorical']]),
    )
    expect(report.features.zip).toMatchObject({ type: 'categorical', new_category_share: 0.5 })
  })

  it('names the file and line of text in a column declared numerical, and a --type no file has', async () => {
    const bad = write('cur-bad', { country: [1, 2, 3, 4, 5, 'DE'] }, 'csv')
    const good = write('ref-good', { country: [1] }, 'csv')
    await expect(compareFiles(ch, good, bad, new Map([['country', 'numerical']]))).rejects.toThrow(
      new InputFileError(bad, 7, 'column "country" is numerical but has the value "DE"'),
    )
    // Parquet, which only the engine reads: its column is text throughout (String), so the least
    // text value is named, without a line.
    const parquet = bad.replace(/\.csv$/, '.parquet')
    await ch.client.command({
      query: `INSERT INTO FUNCTION file({out:String}, Parquet) SELECT * FROM file({in:String}, CSVWithNames, 'country String')
              SETTINGS engine_file_truncate_on_insert = 1`,
      query_params: { out: parquet, in: bad },
    })
    await expect(compareFiles(ch, good, parquet, new Map([['country', 'numerical']]))).rejects.toThrow(
      new InputFileError(parquet, undefined, 'column "country" is numerical but has the value "1"'),
    )
    await expect(compareFiles(ch, good, bad, new Map([['nope', 'numerical']]))).rejects.toThrow(
      /--type names column "nope", which neither file has/,
    )
  })

  it('gives null statistics, never NaN, for a column only one file has', async () => {
    const report = await compareFiles(
      ch,
      write('ref-t', ref, 'csv'),
      write('cur-one', { amount: [1] }, 'csv'),
    )
    expect(report.features.country).toMatchObject({
      n_current: 0,
      psi: null,
      drifted: false,
      drift_test: 'none',
    })
    expect(report.drift_share).toBe(0)
  })

  it('reports a bad line as the process reader does: malformed CSV, invalid JSON, nested values, no rows', async () => {
    const cases: [string, string, RegExp][] = [
      ['ragged.csv', 'a,b\n1,2\n3,4,5\n', /ragged\.csv:3: Invalid Record Length: expect 2, got 3/],
      ['broken.ndjson', '{"a":1}\n{"a":\n', /broken\.ndjson:2: invalid JSON/],
      ['nested.ndjson', '{"a":1}\n\n{"a":[1,2]}\n', /nested\.ndjson:3: "a" is an array/],
      ['scalar.ndjson', '{"a":1}\n42\n', /scalar\.ndjson:2: expected a JSON object of feature values/],
      ['empty.ndjson', '\n', /empty\.ndjson: the file has no rows/],
      ['empty.csv', '', /empty\.csv: the file is empty; a CSV needs a header row/],
      ['missing.csv', '', /nowhere\.csv: no such file/],
      ['missing.parquet', '', /nowhere\.parquet: no such file/],
      ['text.parquet', 'not parquet', /text\.parquet: not a Parquet file the engine can read/],
    ]
    const good = write('ref-good', { a: [1, 2] }, 'ndjson')
    for (const [name, text, message] of cases) {
      const file = join(dir, name.startsWith('missing.') ? name.replace('missing', 'nowhere') : name)
      if (!name.startsWith('missing.')) writeFileSync(file, text)
      await expect(compareFiles(ch, good, file), name).rejects.toThrow(message)
    }
  })

  it('reads prediction events by their features', async () => {
    const events = join(dir, 'events.ndjson')
    writeFileSync(
      events,
      [1, 2, 3]
        .map((i) => JSON.stringify({ schema_version: 1, model_id: 'm', features: { plan: 'pro', n: i } }))
        .join('\n'),
    )
    const report = await compareFiles(
      ch,
      write('ref-e', { plan: ['basic', 'pro'], n: [1, 2] }, 'ndjson'),
      events,
    )
    expect(Object.keys(report.features)).toEqual(['plan', 'n'])
    expect(report.features.plan).toMatchObject({ type: 'categorical', n_current: 3 })
    expect(report.features.n).toMatchObject({ type: 'numerical', n_current: 3 })
  })
})
