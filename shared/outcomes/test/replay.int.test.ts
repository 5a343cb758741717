import {
  type ClickHouse,
  dedupToken,
  insertRows,
  PERFORMANCE_WINDOWS,
  queryRows,
  toClickHouseTime,
} from '@vigil/clickhouse'
import { migratedClickHouse } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emptySchedule,
  type ModelWindow,
  planRecompute,
  republishing,
  windowKey,
  windowMessage,
} from '../src/index.js'

// A replay after a crash or an outage computes the windows of a batch again, but not always the
// same set in one insert (what waited for its interval before may be due now). The windows its run
// stored already at their version are then left out: the table holds each row once, not only
// after a merge.

const T0 = Date.UTC(2026, 10, 24, 10)
const H = 3_600_000
const window = (modelId: string, hour: number): ModelWindow => ({
  modelId,
  modelVersion: 'v1',
  start: T0 + hour * H,
  end: T0 + (hour + 1) * H,
})
type Reading = { nLabelled: number; nPredictions: number }

let ch: ClickHouse
beforeAll(async () => {
  ch = await migratedClickHouse('replay')
}, 60_000)
afterAll(async () => {
  await ch?.close()
})

/** One recomputation of `ws` as the performance service plans it, its rows inserted as the stage does. */
async function recompute(
  ws: readonly ModelWindow[],
  readings: ReadonlyMap<string, Reading>,
): Promise<number> {
  const schedule = republishing({
    ch,
    group: 'perf',
    intervalMs: 0,
    metricsTopic: 'vigil.metrics',
    read: async () => readings,
    stored: {
      table: 'performance_windows',
      of: (r) => ({ version: r.nLabelled, signature: r.nPredictions }),
    },
  })
  const read = await schedule.readTouched(emptySchedule(), ws)
  const plan = planRecompute(
    emptySchedule(),
    ws,
    read,
    schedule.context({ topic: 'o', partition: 0 }, T0),
    (w, r) => ({
      write: {
        table: PERFORMANCE_WINDOWS,
        rows: ['accuracy', 'n_labelled'].map((metric) => ({
          model_id: w.modelId,
          model_version: w.modelVersion,
          window_start: toClickHouseTime(w.start),
          window_end: toClickHouseTime(w.end),
          task: 'binary',
          class: '',
          metric,
          value: r.nLabelled / r.nPredictions,
          n_predictions: r.nPredictions,
          n_labelled: r.nLabelled,
          label_coverage: r.nLabelled / r.nPredictions,
          version: r.nLabelled,
        })),
        dedupToken: dedupToken('performance', [windowKey(w), String(r.nLabelled), String(r.nPredictions)]),
      },
      message: windowMessage('performance', w, {
        version: r.nLabelled,
        n: r.nPredictions,
        labelCoverage: r.nLabelled / r.nPredictions,
      }),
    }),
  )
  let inserted = 0
  for (const write of plan.writes)
    if ('table' in write && write.table.name === PERFORMANCE_WINDOWS.name) {
      await insertRows(
        ch,
        PERFORMANCE_WINDOWS,
        write.rows as NonNullable<(typeof PERFORMANCE_WINDOWS)['_row']>[],
        {
          dedupToken: write.dedupToken,
        },
      )
      inserted += write.rows.length
    }
  return inserted
}

const rowsPerWindowVersion = async () =>
  queryRows<{ model_id: string; h: number; version: number; n: number }>(
    ch,
    `SELECT model_id, toHour(window_start) AS h, version, count() AS n
       FROM {db:Identifier}.performance_windows GROUP BY ALL ORDER BY ALL`,
  )

describe('a replay that computes another set of windows', () => {
  it('inserts only the windows not stored at their version, and each row is in the table once', async () => {
    const a = window('loans', 0)
    const b = window('fraud', 1)
    const readings = new Map([
      [windowKey(a), { nLabelled: 40, nPredictions: 100 }],
      [windowKey(b), { nLabelled: 10, nPredictions: 50 }],
    ])
    expect(await recompute([a], readings)).toBe(2)
    // The replay: a again at the same version, in one insert with b.
    expect(await recompute([a, b], readings)).toBe(2)
    // a at a new version (more labels) is inserted; b, unchanged, is not.
    const later = new Map([...readings, [windowKey(a), { nLabelled: 60, nPredictions: 100 }]])
    expect(await recompute([a, b], later)).toBe(2)
    // Same labels, more predictions: the rows change (coverage), so they are written.
    const more = new Map([...later, [windowKey(b), { nLabelled: 10, nPredictions: 80 }]])
    expect(await recompute([b], more)).toBe(2)
    expect(await rowsPerWindowVersion()).toEqual([
      { model_id: 'fraud', h: 11, version: 10, n: 4 },
      { model_id: 'loans', h: 10, version: 40, n: 2 },
      { model_id: 'loans', h: 10, version: 60, n: 2 },
    ])
  }, 60_000)
})
