import { type ColumnType, InputFileError, readTable } from '@vigil/baselines'
import { categoryDistribution, type Distribution } from '@vigil/charts'
import type { ClickHouse } from '@vigil/clickhouse'
import {
  categoricalDriftFromCounts,
  DEFAULT_THRESHOLDS,
  type DriftThresholds,
  driftShare,
  type FeatureDrift,
  ksFromStatistic,
  numericalDriftFromTests,
  proportions,
} from '@vigil/stats'
import { createCells, fileFormat, loadCells } from './files.js'
import type { DriftReport } from './report.js'

// `vigil drift-check` on the embedded engine: it reads both files and returns per column only
// what the statistics need — counts, the reference's deciles and spread, bin counts, the KS
// statistic and the Wasserstein area over every value — and the process finishes the
// statistics (p-values, divergences) with the same functions as the services.

type Side = 0 | 1
interface ColumnProfile {
  numbers: [number, number]
  texts: [number, number]
  /** The least text value per side (deterministic), to name when the column is declared numerical. */
  someText: [string, string]
}

/**
 * Compares every column of two files. A column is numerical when all its values in both files are
 * numbers, else categorical, unless `types` says which. A number in a categorical column counts as
 * its text; text in a column declared numerical is an error naming the line.
 */
export async function compareFiles(
  ch: ClickHouse,
  reference: string,
  current: string,
  types: ReadonlyMap<string, ColumnType> = new Map(),
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
): Promise<DriftReport> {
  const cells = await createCells(ch)
  try {
    await loadCells(ch, cells.name, 0, reference)
    await loadCells(ch, cells.name, 1, current)
    const q = query(ch, cells.name)
    const profiles = await columnProfiles(q)
    for (const name of types.keys())
      if (!profiles.has(name))
        throw new InputFileError(
          reference,
          undefined,
          `--type names column "${name}", which neither file has`,
        )
    const numerical: string[] = []
    const categorical: string[] = []
    for (const [name, p] of profiles) {
      const type = types.get(name) ?? (p.texts[0] === 0 && p.texts[1] === 0 ? 'numerical' : 'categorical')
      if (type === 'numerical') {
        for (const side of [0, 1] as const)
          if (p.texts[side] > 0)
            await textInNumerical(side === 0 ? reference : current, name, p.someText[side])
        numerical.push(name)
      } else categorical.push(name)
    }
    const features: Record<string, FeatureDrift> = {}
    const shown: Record<string, Distribution> = {}
    for (const [name, drift] of await numericalDrifts(q, numerical, profiles, thresholds, shown))
      features[name] = drift
    for (const [name, drift] of await categoricalDrifts(q, categorical, thresholds, shown))
      features[name] = drift
    // In the order the columns first appear, as the process reports them.
    const names = [...profiles.keys()]
    const ordered = Object.fromEntries(names.map((n) => [n, features[n]!]))
    const distributions = Object.fromEntries(names.flatMap((n) => (shown[n] ? [[n, shown[n]]] : [])))
    return { features: ordered, drift_share: driftShare(Object.values(ordered)), distributions }
  } finally {
    await cells.drop()
  }
}

type Query = <T>(sql: string, params?: Record<string, unknown>) => Promise<T[]>

function query(ch: ClickHouse, cells: string): Query {
  return async <T>(sql: string, params: Record<string, unknown> = {}) => {
    const r = await ch.client.query({
      query: sql,
      query_params: { db: ch.database, cells, ...params },
      format: 'JSONEachRow',
      // UInt64 as numbers: counts of one file's values fit a double exactly.
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    })
    return (await r.json()) as T[]
  }
}

/** Per column, in the order of first appearance: numbers and texts per side. */
async function columnProfiles(q: Query): Promise<Map<string, ColumnProfile>> {
  const rows = await q<{ name: string; side: Side; numbers: number; texts: number; some_text: string }>(
    `SELECT name, side, countIf(num IS NOT NULL) AS numbers, countIf(text IS NOT NULL) AS texts,
            min(text) AS some_text, min(first) AS first
       FROM (SELECT name, side, num, text, rowNumberInAllBlocks() AS first FROM {db:Identifier}.{cells:Identifier})
      GROUP BY name, side ORDER BY side, first`,
  )
  const out = new Map<string, ColumnProfile>()
  for (const r of rows) {
    const p = out.get(r.name) ?? { numbers: [0, 0], texts: [0, 0], someText: ['', ''] }
    p.numbers[r.side] = r.numbers
    p.texts[r.side] = r.texts
    p.someText[r.side] = r.some_text ?? ''
    out.set(r.name, p)
  }
  return out
}

/**
 * A column declared numerical holds text: the process reader finds the first such line to name
 * (reading the file once); a Parquet file, which it cannot read, is named with the value found.
 */
async function textInNumerical(file: string, name: string, found: string): Promise<never> {
  const c = fileFormat(file) === 'parquet' ? undefined : (await readTable(file)).columns.get(name)
  throw new InputFileError(
    file,
    c?.firstTextLine,
    `column "${name}" is numerical but has the value ${JSON.stringify(c?.firstText ?? found)}`,
  )
}

async function numericalDrifts(
  q: Query,
  names: readonly string[],
  profiles: ReadonlyMap<string, ColumnProfile>,
  thresholds: DriftThresholds,
  shown: Record<string, Distribution>,
): Promise<Map<string, FeatureDrift>> {
  if (names.length === 0) return new Map()
  const spread = await q<{ name: string; std: number; deciles: number[] }>(
    `SELECT name, stddevPopStable(assumeNotNull(num)) AS std,
            quantilesExactInclusive(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)(assumeNotNull(num)) AS deciles
       FROM {db:Identifier}.{cells:Identifier} WHERE side = 0 AND name IN {names:Array(String)} AND num IS NOT NULL GROUP BY name`,
    { names },
  )
  // The reference's deciles, duplicates merged (decileEdges); bin i holds the values above i edges.
  const edges: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  const std = new Map<string, number>()
  for (const r of spread) {
    edges[r.name] = r.deciles.filter((e, i) => i === 0 || e !== r.deciles[i - 1])
    std.set(r.name, r.std)
  }
  // Per column, the distinct values of both sides in order with each side's cumulative count:
  // D = max |F − G| (ties counted at once) and the Wasserstein area Σ |F − G| · (next − value), as
  // ksTwoSample and wasserstein walk them, and at each edge the values at or below it, whose
  // differences are the bin counts (bin i holds e(i−1) < x ≤ e(i)). Arrays, summed in order. One
  // query per column: grouping by the value alone is a third of grouping by (column, value).
  const drift = async (name: string): Promise<FeatureDrift> => {
    const [n1, n2] = profiles.get(name)!.numbers
    if (n1 === 0 || n2 === 0)
      return numericalDriftFromTests(
        { n: n1, std: 0, proportions: [] },
        { n: n2, proportions: [] },
        ksFromStatistic(0, 1, 1),
        0,
      )
    const [t] = await q<{ d: number; w: number; below: [number, number][] }>(
      `SELECT arrayMax(gaps) AS d,
              arraySum(arrayMap((g, x, next) -> g * (next - x), gaps, xs, arrayPushBack(arrayPopFront(xs), xs[-1]))) AS w,
              arrayMap(e -> arrayCount(x -> x <= e, xs), {edges:Array(Float64)}) AS at,
              arrayMap(i -> (if(i = 0, 0, ca[i]), if(i = 0, 0, cb[i])), at) AS below
         FROM (SELECT arraySort(p -> p.1, groupArray((x, a, b))) AS points,
                      arrayMap(p -> p.1, points) AS xs,
                      arrayCumSum(arrayMap(p -> p.2, points)) AS ca,
                      arrayCumSum(arrayMap(p -> p.3, points)) AS cb,
                      arrayMap((u, v) -> abs(u / {n1:UInt64} - v / {n2:UInt64}), ca, cb) AS gaps
                 FROM (SELECT assumeNotNull(num) AS x, countIf(side = 0) AS a, countIf(side = 1) AS b
                         FROM {db:Identifier}.{cells:Identifier}
                        WHERE name = {name:String} AND num IS NOT NULL GROUP BY x))`,
      { name, edges: edges[name], n1, n2 },
    )
    if (!t) throw new Error(`no values of column "${name}" found by the engine`)
    const bins = (side: Side, total: number) =>
      [...t.below.map((b) => b[side]), total].map((c, i, all) => c - (i === 0 ? 0 : all[i - 1]!))
    shown[name] = { kind: 'numerical', edges: edges[name]!, reference: bins(0, n1), current: bins(1, n2) }
    return numericalDriftFromTests(
      { n: n1, std: std.get(name) ?? 0, proportions: proportions(bins(0, n1)) },
      { n: n2, proportions: proportions(bins(1, n2)) },
      ksFromStatistic(t.d, n1, n2),
      t.w,
      thresholds,
    )
  }
  // Two columns at a time: a column's sort and sums run on one thread, the machine has two.
  const out = new Map<string, FeatureDrift>()
  const queue = [...names]
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) out.set(name, await drift(name))
  }
  await Promise.all([worker(), worker()])
  return out
}

async function categoricalDrifts(
  q: Query,
  names: readonly string[],
  thresholds: DriftThresholds,
  shown: Record<string, Distribution>,
): Promise<Map<string, FeatureDrift>> {
  if (names.length === 0) return new Map()
  // A number in a categorical column counts as its text.
  const rows = await q<{ name: string; side: Side; category: string; n: number }>(
    `SELECT name, side, ifNull(text, toString(num)) AS category, count() AS n
       FROM {db:Identifier}.{cells:Identifier}
      WHERE name IN {names:Array(String)} AND (text IS NOT NULL OR num IS NOT NULL)
      GROUP BY name, side, category ORDER BY name, side, category`,
    { names },
  )
  const counts = new Map(names.map((n) => [n, [new Map<string, number>(), new Map<string, number>()]]))
  for (const r of rows) counts.get(r.name)![r.side]!.set(r.category, r.n)
  return new Map(
    names.map((n) => {
      const [ref, cur] = counts.get(n)!
      shown[n] = categoryDistribution(ref!, cur!)
      return [n, categoricalDriftFromCounts(ref!, cur!, thresholds)]
    }),
  )
}
