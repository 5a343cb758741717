import { readdirSync, readFileSync } from 'node:fs'
import { type ClickHouse, createSqlRunner, type SqlRunner, toClickHouseTime } from '@vigil/clickhouse'
import { migratedClickHouse } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

// The Grafana dashboards of deploy/grafana: every panel's SQL, its macros expanded as the official
// ClickHouse data source expands them, runs on the embedded engine through the analysts' read-only
// path, over windows, alerts and traffic as vigil writes them, and returns the columns the panel
// shows (a time series: `time` first, then the series name, then the values).

const dir = new URL('../../deploy/grafana/', import.meta.url)
interface Target {
  datasource: { type: string; uid: string }
  queryType: 'timeSeries' | 'table'
  format: number
  rawSql: string
}
interface Dashboard {
  uid: string
  title: string
  templating: { list: { name: string; query: string }[] }
  panels: { id: number; title: string; type: string; targets: Target[] }[]
}
const dashboards: Dashboard[] = readdirSync(new URL('dashboards/', dir))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(`dashboards/${f}`, dir), 'utf8')) as Dashboard)

/** The columns each panel's query must return, in order. */
const COLUMNS: Record<string, string[]> = {
  'vigil-fleet/Models': [
    'model',
    'predictions',
    'drift_share',
    'drifted_features',
    'accuracy',
    'label_coverage',
    'firing_alerts',
  ],
  'vigil-fleet/Drift share per model': ['time', 'model_id', 'value'],
  'vigil-fleet/Accuracy per model': ['time', 'model_id', 'value'],
  'vigil-fleet/Predictions per model': ['time', 'model_id', 'predictions'],
  'vigil-fleet/Label coverage per model': ['time', 'model_id', 'coverage'],
  'vigil-fleet/Alerts firing': ['firing'],
  'vigil-model/Drifted features per window': ['time', 'feature', 'drifted'],
  'vigil-model/PSI per feature': ['time', 'feature', 'value'],
  'vigil-model/Missing rate per feature': ['time', 'feature', 'value'],
  'vigil-model/Accuracy and label coverage': ['time', 'accuracy', 'label_coverage'],
  'vigil-model/Disparate impact by group': ['time', 'subject', 'value'],
  'vigil-model/Alert history': ['window', 'rule', 'subject', 'transition', 'severity', 'value'],
  'vigil-alerts/Firing now': ['rule', 'model', 'version', 'subject', 'severity', 'since', 'value'],
  'vigil-alerts/Transitions': ['time', 'transition', 'alerts'],
  'vigil-alerts/Notifications by channel and status': ['channel', 'status', 'notifications', 'max_attempts'],
  'vigil-alerts/History': ['window', 'rule', 'model', 'subject', 'transition', 'severity', 'value'],
}

const T0 = Date.UTC(2026, 10, 24, 8)
const H = 3_600_000
const RANGE = { from: T0 - H, to: T0 + 6 * H }
const seconds = (ms: number) => Math.floor(ms / 1000)

/**
 * A panel's SQL as the data source sends it (its `pkg/macros`): `$__timeFilter(c)` is `c >=
 * toDateTime(from) AND c <= toDateTime(to)`, `$__timeInterval(c)` `toStartOfInterval(toDateTime(c),
 * INTERVAL <interval> second)`; Grafana has replaced the dashboard's variables first.
 */
function expand(sql: string, vars: Record<string, string>, intervalSeconds = 600): string {
  let out = sql
  for (const [name, value] of Object.entries(vars))
    out = out.replaceAll(`\${${name}}`, value).replaceAll(`$${name}`, value)
  return out
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, c: string) =>
        `${c} >= toDateTime(${seconds(RANGE.from)}) AND ${c} <= toDateTime(${seconds(RANGE.to)})`,
    )
    .replace(
      /\$__timeInterval\(([^)]+)\)/g,
      (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalSeconds} second)`,
    )
}

let ch: ClickHouse
let sql: SqlRunner
beforeAll(async () => {
  ch = await migratedClickHouse('grafana')
  sql = await createSqlRunner(
    ch,
    {},
    { max_rows: 10_000, max_seconds: 30, max_memory_mb: 1024, max_threads: 2 },
  )
  const at = (ms: number) => toClickHouseTime(ms)
  const insert = (table: string, values: object[]) =>
    ch.client.insert({ table: `${ch.database}.${table}`, values, format: 'JSONEachRow' })
  const windows = [0, 1, 2].map((w) => ({
    model_id: 'fraud',
    model_version: 'v1',
    window_start: at(T0 + w * H),
    window_end: at(T0 + (w + 1) * H),
  }))
  await insert(
    'predictions',
    windows.flatMap((w, i) =>
      Array.from({ length: 5 }, (_, k) => ({
        model_id: 'fraud',
        model_version: 'v1',
        prediction_id: `p${i}-${k}`,
        event_time: w.window_start,
        predicted_label: 'ok',
      })),
    ),
  )
  await insert(
    'drift_windows',
    windows.flatMap((w, i) => [
      { ...w, feature: '__model__', metric: 'drift_share', value: i / 2, drifted: 0 },
      {
        ...w,
        feature: 'amount',
        feature_type: 'numerical',
        metric: 'psi',
        value: 0.1 + i * 0.2,
        drifted: i > 0 ? 1 : 0,
      },
    ]),
  )
  await insert(
    'quality_windows',
    windows.map((w) => ({ ...w, feature: 'amount', metric: 'missing_rate', value: 0.01 })),
  )
  await insert(
    'performance_windows',
    windows.map((w, i) => ({
      ...w,
      task: 'binary',
      class: '',
      metric: 'accuracy',
      value: 0.9 - i * 0.1,
      n_predictions: 5,
      n_labelled: 2,
      label_coverage: 0.4,
      version: 1,
    })),
  )
  await insert(
    'fairness_windows',
    windows.map((w) => ({
      ...w,
      attribute: 'gender',
      reference_group: 'm',
      group: 'f',
      metric: 'disparate_impact',
      value: 0.7,
      n: 5,
      n_labelled: 2,
      version: 1,
    })),
  )
  const alert = {
    alert_key: 'feature-drift|fraud|v1|amount',
    rule: 'feature-drift',
    model_id: 'fraud',
    model_version: 'v1',
    subject: 'amount',
    severity: 'critical',
    value: 1,
  }
  await insert('alerts', [
    {
      ...alert,
      status: 'firing',
      window_start: windows[1]!.window_start,
      episode: 'e1',
      since: windows[1]!.window_start,
      state: '{}',
      seq: 1,
      updated_at: at(T0 + 2 * H),
    },
  ])
  await insert('alert_history', [
    {
      ...alert,
      transition: 'firing',
      status: 'firing',
      episode: 'e1',
      window_start: windows[1]!.window_start,
      window_end: windows[1]!.window_end,
      recorded_at: at(T0 + 2 * H),
    },
  ])
  await insert('notifications', [
    {
      id: 'n1',
      channel: 'slack',
      target: '#ml-alerts',
      kind: 'firing',
      model_id: 'fraud',
      window_start: windows[1]!.window_start,
      payload: '{}',
      status: 'delivered',
      attempts: 1,
      next_attempt_at: at(T0 + 2 * H),
    },
  ])
}, 60_000)
afterAll(async () => {
  await sql?.close()
  await ch?.close()
})

describe('Grafana dashboards (deploy/grafana)', () => {
  it('are provisioned on the official ClickHouse data source, which every panel uses', () => {
    const ds = parse(readFileSync(new URL('provisioning/datasources/vigil.yaml', dir), 'utf8')) as {
      datasources: { uid: string; type: string; jsonData: { protocol: string } }[]
    }
    const [source] = ds.datasources
    expect(source).toMatchObject({ uid: 'vigil-clickhouse', type: 'grafana-clickhouse-datasource' })
    const provider = parse(readFileSync(new URL('provisioning/dashboards/vigil.yaml', dir), 'utf8')) as {
      providers: { type: string }[]
    }
    expect(provider.providers[0]?.type).toBe('file')
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['vigil-alerts', 'vigil-fleet', 'vigil-model'])
    for (const d of dashboards)
      for (const p of d.panels)
        for (const t of p.targets)
          expect(t.datasource, `${d.uid}/${p.title}`).toEqual({ type: source!.type, uid: source!.uid })
    const titles = dashboards.flatMap((d) => d.panels.map((p) => `${d.uid}/${p.title}`))
    expect(titles.sort()).toEqual(Object.keys(COLUMNS).sort())
  })

  it("the model variable's query lists the models", async () => {
    const model = dashboards
      .find((d) => d.uid === 'vigil-model')!
      .templating.list.find((v) => v.name === 'model')!
    expect((await sql.run(model.query)).rows).toEqual([{ model_id: 'fraud' }])
  })

  for (const d of dashboards)
    for (const p of d.panels)
      it(`${d.uid} / ${p.title}: runs read-only with its macros expanded and returns its columns`, async () => {
        for (const t of p.targets) {
          const result = await sql.run(expand(t.rawSql, { model: 'fraud' }))
          expect(result.columns.map((c) => c.name)).toEqual(COLUMNS[`${d.uid}/${p.title}`])
          expect(result.rows.length, 'rows over the seeded windows').toBeGreaterThan(0)
          if (t.queryType === 'timeSeries') expect(result.columns[0]!.type).toMatch(/^DateTime/)
        }
      })
})
