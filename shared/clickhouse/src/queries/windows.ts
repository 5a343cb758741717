import { z } from 'zod'
import type { ClickHouse } from '../client.js'
import { type ColumnDecoding, defineQuery, runQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'
import { conditions, firstRows, type Page } from './where.js'
import type { WindowsParams } from './windowed.js'

// The window tables (drift_windows, quality_windows, performance_windows, fairness_windows) as
// they are read: long format, one row per window × subject × metric, `version` for re-publication.

const windowColumns = {
  model_id: z.string(),
  model_version: z.string(),
  window_start: z.string().describe('ISO 8601, UTC'),
  window_end: z.string().describe('ISO 8601, UTC'),
}
const value = z.number().nullable()
const count = z.number().int().nonnegative()

/** Rows of each window family as the API returns them. */
export const WINDOW_ROWS = {
  drift: z.object({
    ...windowColumns,
    feature: z.string(),
    metric: z.string(),
    feature_type: z.string(),
    value,
    drifted: z.boolean(),
    n_reference: count,
    n_current: count,
    reference: z.string(),
    version: count,
  }),
  quality: z.object({ ...windowColumns, feature: z.string(), metric: z.string(), value, version: count }),
  performance: z.object({
    ...windowColumns,
    class: z.string(),
    metric: z.string(),
    task: z.string(),
    value,
    n_predictions: count,
    n_labelled: count,
    label_coverage: value,
    version: count,
  }),
  fairness: z.object({
    ...windowColumns,
    attribute: z.string(),
    group: z.string(),
    metric: z.string(),
    reference_group: z.string(),
    value,
    n: count,
    n_labelled: count,
    version: count,
  }),
}
export type WindowFamilyName = keyof typeof WINDOW_ROWS
export type WindowRow<F extends WindowFamilyName> = z.output<(typeof WINDOW_ROWS)[F]>

/** Each family's table and the columns that say what a row is about (in sort order). */
export const WINDOW_FAMILIES = {
  drift: { table: 'drift_windows', subjects: ['feature'] },
  quality: { table: 'quality_windows', subjects: ['feature'] },
  performance: { table: 'performance_windows', subjects: ['class'] },
  fairness: { table: 'fairness_windows', subjects: ['attribute', 'group'] },
} as const satisfies Record<WindowFamilyName, { table: string; subjects: readonly string[] }>

export interface WindowFilter {
  model?: string
  version?: string
  metric?: string
  /** Window start at or after (epoch ms). */
  from?: number
  /** Window start before (epoch ms). */
  to?: number
  /** Subject columns of the family (feature, class, attribute, group). */
  subjects: Record<string, string | undefined>
  limit: number
}

const decode = (family: WindowFamilyName): ColumnDecoding => ({
  times: ['window_start', 'window_end'],
  counts: Object.entries(WINDOW_ROWS[family].shape)
    .filter(([, s]) => s === count)
    .map(([k]) => k),
  booleans: family === 'drift' ? ['drifted'] : [],
})

function windowsQuery<F extends WindowFamilyName>(family: F) {
  const d = WINDOW_FAMILIES[family]
  const columns = Object.keys(WINDOW_ROWS[family].shape)
  return defineQuery({
    name: `windows.${family}`,
    row: WINDOW_ROWS[family],
    decode: decode(family),
    build(f: WindowFilter) {
      // The window's scope picks the latest version; the row filter then picks rows of that version.
      const scope = conditions({ table: d.table, limit: f.limit + 1 })
      scope.eq('model_id', f.model)
      scope.eq('model_version', f.version)
      scope.range('window_start', f.from, f.to)
      const rowFilter = conditions(scope.params)
      rowFilter.list.push(...scope.list)
      rowFilter.eq('metric', f.metric)
      for (const s of d.subjects) rowFilter.eq(s, f.subjects[s])
      const latest = `(model_id, model_version, window_start, version) IN (
          SELECT model_id, model_version, window_start, max(version)
          FROM {db:Identifier}.{table:Identifier} ${scope.where()}
          GROUP BY model_id, model_version, window_start)`
      return {
        sql: `SELECT ${columns.join(', ')}
              FROM {db:Identifier}.{table:Identifier} FINAL
              ${rowFilter.where([latest])}
              ORDER BY model_id, window_start, model_version, ${d.subjects.join(', ')}, metric
              LIMIT {limit:UInt32}`,
        params: scope.params,
      }
    },
  })
}

const WINDOW_QUERIES = {
  drift: windowsQuery('drift'),
  quality: windowsQuery('quality'),
  performance: windowsQuery('performance'),
  fairness: windowsQuery('fairness'),
}

/**
 * Windows of one family, only the latest version of each window: a window re-published with
 * more labels replaces its earlier rows, also rows the newer version no longer has (`FINAL`
 * alone keeps a row per sort key, so such a row would survive).
 */
export async function queryWindows<F extends WindowFamilyName>(
  ch: ClickHouse,
  family: F,
  f: WindowFilter,
): Promise<Page<WindowRow<F>>> {
  const rows = await runQuery(ch, WINDOW_QUERIES[family], f)
  return firstRows(rows as WindowRow<F>[], f.limit)
}

/**
 * With `version`, what says which rows of a re-published window are stored: the performance
 * service's rows also change with the window's predictions, fairness counts them in its version.
 */
const STORED_SIGNATURE = { performance_windows: 'n_predictions', fairness_windows: 'version' } as const
export type RepublishedTable = keyof typeof STORED_SIGNATURE

/**
 * The versions of the windows asked for that `table` holds, each with its signature: what lets a
 * replay leave out the rows it would insert again. The deduplication token of an insert does not,
 * once a replay computes another set of windows in one insert than the run it repeats.
 */
export const storedVersionsQuery = defineQuery({
  name: 'windows.stored_versions',
  row: z.object({ window: z.string(), version: count, signature: count }),
  build: (p: WindowsParams & { table: RepublishedTable }) => {
    const { table, ...params } = p
    return {
      sql: `SELECT DISTINCT window, version, signature
              FROM (SELECT concat(model_id, '\\x1F', model_version, '\\x1F',
                                  toString(toUnixTimestamp64Milli(window_start))) AS window,
                           version, ${STORED_SIGNATURE[table]} AS signature
                      FROM {db:Identifier}.${table}
                     WHERE model_id IN {models:Array(String)}
                       AND window_start >= {from:DateTime64(3, 'UTC')} AND window_start < {to:DateTime64(3, 'UTC')})
             WHERE window IN {windows:Array(String)}`,
      params,
    }
  },
})

// The window tables as the services write them (computed_at has a default).
const windowKey = {
  model_id: c.string,
  model_version: c.string,
  window_start: c.time,
  window_end: c.time,
}
export const DRIFT_WINDOWS = defineTable(
  'drift_windows',
  z.object({
    ...windowKey,
    feature: c.string,
    feature_type: c.string,
    metric: c.string,
    value: c.nullableFloat,
    drifted: z.number().int().min(0).max(1),
    n_reference: c.uint64,
    n_current: c.uint64,
    reference: c.string,
    version: c.uint32,
  }),
)
export const QUALITY_WINDOWS = defineTable(
  'quality_windows',
  z.object({ ...windowKey, feature: c.string, metric: c.string, value: c.float, version: c.uint32 }),
)

/**
 * What the drift service inserts: a window's drift rows packed into one (its columns once, each
 * row's own values as parallel arrays), which `drift_windows_unpack` (migration 013) writes to
 * drift_windows as the long rows again: far less for the engine to parse. The same for quality.
 */
export const DRIFT_WINDOWS_INPUT = defineTable(
  'drift_windows_input',
  z.object({
    ...windowKey,
    reference: c.string,
    version: c.uint32,
    feature: z.array(z.string()),
    feature_type: z.array(z.string()),
    metric: z.array(z.string()),
    value: z.array(z.number().nullable()),
    drifted: z.array(z.number().int().min(0).max(1)),
    n_reference: z.array(c.uint64),
    n_current: z.array(c.uint64),
  }),
)
export const QUALITY_WINDOWS_INPUT = defineTable(
  'quality_windows_input',
  z.object({
    ...windowKey,
    version: c.uint32,
    feature: z.array(z.string()),
    metric: z.array(z.string()),
    value: z.array(z.number()),
  }),
)

export const PERFORMANCE_WINDOWS = defineTable(
  'performance_windows',
  z.object({
    ...windowKey,
    task: c.string,
    class: c.string,
    metric: c.string,
    value: c.nullableFloat,
    n_predictions: c.uint64,
    n_labelled: c.uint64,
    label_coverage: c.nullableFloat,
    version: c.uint64,
  }),
)
export const FAIRNESS_WINDOWS = defineTable(
  'fairness_windows',
  z.object({
    ...windowKey,
    attribute: c.string,
    reference_group: c.string,
    group: c.string,
    metric: c.string,
    value: c.nullableFloat,
    n: c.uint64,
    n_labelled: c.uint64,
    version: c.uint64,
  }),
)
