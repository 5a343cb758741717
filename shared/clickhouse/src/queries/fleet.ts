import { z } from 'zod'
import type { ClickHouse } from '../client.js'
import { toClickHouseTime } from '../insert.js'
import { defineQuery, runQuery } from '../query.js'

// The fleet as an overview reads it: per model and window, traffic (quality_windows), drift share
// (drift_windows), the headline accuracy metric with label coverage (performance_windows), and
// firing alerts (alerts). Model versions of one window are pooled.

/** One model's window in the overview. */
export const FleetWindowRow = z.object({
  model_id: z.string(),
  window_start: z.string().describe('ISO 8601, UTC'),
  predictions: z.number().int().nonnegative(),
  drift_share: z.number().nullable().describe('share of features drifted; null before a reference'),
  drifted_features: z.number().int().nonnegative(),
  performance_metric: z.string().nullable().describe('accuracy (classification) or rmse (regression)'),
  performance: z.number().nullable(),
  label_coverage: z.number().nullable(),
})
export type FleetWindowRow = z.output<typeof FleetWindowRow>

export interface FleetFilter {
  model?: string
  /** Windows starting at or after (epoch ms). */
  from: number
  /** Windows starting before (epoch ms). */
  to: number
  /** Windows per model at most, the latest first. */
  windows: number
}

/**
 * Pooling across versions is exact where it can be: accuracy weighted by labelled outcomes is the
 * pooled accuracy, rmse pooled as the root of the weighted mean square, coverage as labelled over
 * predicted. Drift share is weighted by each version's predictions (an approximation: versions
 * are compared with their own references).
 */
const fleetWindowsQuery = defineQuery({
  name: 'fleet.windows',
  row: FleetWindowRow,
  decode: { times: ['window_start'], counts: ['predictions', 'drifted_features'] },
  build(f: FleetFilter) {
    const model = f.model === undefined ? '' : 'AND model_id = {model:String}'
    const range = `window_start >= {from:DateTime64(3)} AND window_start < {to:DateTime64(3)} ${model}`
    return {
      sql: `SELECT model_id, window_start,
                   toUInt64(sum(traffic)) AS predictions,
                   if(sumIf(weight, share IS NOT NULL) = 0, NULL,
                      sumIf(share * weight, share IS NOT NULL) / sumIf(weight, share IS NOT NULL)) AS drift_share,
                   toUInt64(max(n_drifted)) AS drifted_features,
                   nullIf(max(perf_metric), '') AS performance_metric,
                   if(sum(labelled) = 0, NULL,
                      if(max(perf_metric) = 'rmse', sqrt(sum(labelled * perf * perf) / sum(labelled)),
                         sum(labelled * perf) / sum(labelled))) AS performance,
                   if(sum(perf_predictions) = 0, NULL, sum(labelled) / sum(perf_predictions)) AS label_coverage
            FROM (
              SELECT model_id, model_version, window_start, any(value) AS traffic, CAST(NULL, 'Nullable(Float64)') AS share, 0 AS weight,
                     0 AS n_drifted, '' AS perf_metric, 0 AS perf, 0 AS labelled, 0 AS perf_predictions
                FROM {db:Identifier}.quality_windows FINAL
               WHERE feature = '__model__' AND metric = 'count' AND ${range}
               GROUP BY model_id, model_version, window_start
              UNION ALL
              SELECT model_id, model_version, window_start, 0, anyIf(value, feature = '__model__' AND metric = 'drift_share'),
                     anyIf(n_current, feature = '__model__' AND metric = 'drift_share'),
                     uniqExactIf(feature, drifted = 1 AND feature != '__model__'), '', 0, 0, 0
                FROM {db:Identifier}.drift_windows FINAL
               WHERE ${range}
               GROUP BY model_id, model_version, window_start
              UNION ALL
              SELECT model_id, model_version, window_start, 0, NULL, 0, 0, argMax(metric, version),
                     argMax(ifNull(value, 0), version), argMax(n_labelled, version), argMax(n_predictions, version)
                FROM {db:Identifier}.performance_windows FINAL
               WHERE class = '' AND metric IN ('accuracy', 'rmse') AND ${range}
               GROUP BY model_id, model_version, window_start
            )
            GROUP BY model_id, window_start
            ORDER BY model_id, window_start DESC
            LIMIT {windows:UInt32} BY model_id`,
      params: {
        from: toClickHouseTime(f.from),
        to: toClickHouseTime(f.to),
        windows: f.windows,
        ...(f.model === undefined ? {} : { model: f.model }),
      },
    }
  },
})

const firingQuery = defineQuery({
  name: 'fleet.firing',
  row: z.object({ model_id: z.string(), firing: z.number().int().nonnegative() }),
  decode: { counts: ['firing'] },
  build: () => ({
    sql: `SELECT model_id, count() AS firing FROM {db:Identifier}.alerts FINAL WHERE status = 'firing' GROUP BY model_id`,
  }),
})

const latestWindowQuery = defineQuery({
  name: 'fleet.latest_window',
  row: z.object({ latest: z.number().nullable() }),
  decode: { counts: ['latest'] },
  build: (model: string | undefined) => ({
    // One model: its rows come first in the sort key. Every model: only the newest monthly
    // partition can hold the latest window, so the scan stays one month however long the history
    // (no partitions listed, as behind a Distributed table: 0, the whole table).
    sql: `SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(max(window_start))) AS latest
            FROM {db:Identifier}.quality_windows
           WHERE feature = '__model__' AND metric = 'count'
             ${
               model === undefined
                 ? `AND toYYYYMM(window_start) >= (SELECT ifNull(max(toUInt32OrNull(partition)), 0) FROM system.parts
                                                  WHERE database = {db:String} AND table = 'quality_windows' AND active)`
                 : 'AND model_id = {model:String}'
             }`,
    params: model === undefined ? {} : { model },
  }),
})

/** The start of the latest window any model (or the one named) has closed, epoch ms; null when none. */
export async function latestWindowStart(ch: ClickHouse, model?: string): Promise<number | null> {
  const [row] = await runQuery(ch, latestWindowQuery, model)
  return row?.latest === null || row?.latest === undefined ? null : Number(row.latest)
}

/** Each model's latest windows in the range, the latest first, versions pooled. */
export function queryFleetWindows(ch: ClickHouse, f: FleetFilter): Promise<FleetWindowRow[]> {
  return runQuery(ch, fleetWindowsQuery, f)
}

/** Firing alerts per model. */
export async function queryFiringByModel(ch: ClickHouse): Promise<Map<string, number>> {
  return new Map((await runQuery(ch, firingQuery, undefined)).map((r) => [r.model_id, r.firing]))
}
