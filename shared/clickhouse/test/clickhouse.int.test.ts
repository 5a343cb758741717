import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadMigrations } from '@vigil/schemas'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type ClickHouse, connectClickHouse, UnsupportedClickHouseVersionError } from '../src/client.js'
import * as shared from '../src/index.js'
import { insertRows, queryRows } from '../src/insert.js'
import { migrate, upStatements } from '../src/migrate.js'
import { LABELS, PREDICTIONS, windowsPredictionCountQuery } from '../src/queries/rawEvents.js'
import { windowKeyOf, windowsParams } from '../src/queries/windowed.js'
import { runQuery } from '../src/query.js'
import type { TableDef } from '../src/table.js'

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-ch-int-'))
const database = () => `t_${randomBytes(4).toString('hex')}`
const open: ClickHouse[] = []
async function connect(db = database()): Promise<ClickHouse> {
  const ch = await connectClickHouse({ database: db, data_dir: dataDir })
  open.push(ch)
  return ch
}
afterAll(async () => {
  for (const ch of open) await ch.close()
})

describe('migrations on the embedded engine', () => {
  it('creates the tables once and is a no-op the second time', async () => {
    const ch = await connect()
    const names = loadMigrations().map((m) => m.name)
    expect(names.slice(0, 2)).toEqual(['001_create_raw_events', '002_create_drift_tables'])
    const first = await migrate(ch)
    expect(first.applied).toEqual(names)
    expect(await migrate(ch)).toEqual({ applied: [], alreadyApplied: names })
    const tables = await queryRows<{ name: string }>(
      ch,
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
    )
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'labels',
        'predictions',
        'vigil_migrations',
        'baselines',
        'drift_windows',
        'quality_windows',
        'outcomes',
        'pending_labels',
      ]),
    )
  })

  it('every table definition names the columns of its migrated table', async () => {
    const ch = await connect()
    await migrate(ch)
    // Table definitions: a name and a row schema, no query to build.
    const defs = (Object.values(shared) as unknown[]).filter(
      (v): v is TableDef<object> =>
        typeof v === 'object' &&
        v !== null &&
        'name' in v &&
        'row' in v &&
        !('build' in v) &&
        v.row instanceof z.ZodObject,
    )
    // The tables the migrations leave: created, and not dropped by a later migration.
    const tables = new Set<string>()
    for (const m of loadMigrations())
      for (const statement of upStatements(m.sql)) {
        const created = /^CREATE TABLE IF NOT EXISTS \{db:Identifier\}\.(\w+)/.exec(statement)
        const dropped = /^DROP TABLE IF EXISTS \{db:Identifier\}\.(\w+)/.exec(statement)
        if (created) tables.add(created[1]!)
        if (dropped) tables.delete(dropped[1]!)
      }
    expect(defs.map((d) => d.name).sort()).toEqual([...tables].sort())
    const problems: string[] = []
    for (const d of defs) {
      const columns = await queryRows<{ name: string; default_kind: string }>(
        ch,
        'SELECT name, default_kind FROM system.columns WHERE database = {db:String} AND table = {table:String}',
        { table: d.name },
      )
      const written = Object.keys(d.row.shape)
      for (const k of written)
        if (!columns.some((c) => c.name === k)) problems.push(`${d.name}.${k}: no such column`)
      for (const c of columns)
        if (c.default_kind === '' && !written.includes(c.name))
          problems.push(`${d.name}.${c.name}: not written, no default`)
    }
    expect(problems).toEqual([])
  })

  it('is safe when two clients migrate the same database at once', async () => {
    const db = database()
    const [a, b] = [await connect(db), await connect(db)]
    await Promise.all([migrate(a), migrate(b)])
    const rows = await queryRows<{ version: number; n: string }>(
      a,
      'SELECT version, count() AS n FROM {db:Identifier}.vigil_migrations GROUP BY version',
    )
    const counts = rows.map((r) => [Number(r.version), Number(r.n)]).sort((a, b) => a[0]! - b[0]!)
    expect(counts).toEqual(loadMigrations().map((m) => [m.version, 1]))
  })
})

describe('idempotent inserts', () => {
  it('drops a re-sent block with the same deduplication token, keeps a new one', async () => {
    const ch = await connect()
    await migrate(ch)
    const row = (id: string) => ({
      model_id: 'm',
      prediction_id: id,
      event_time: '2026-11-24 10:00:00.000',
      label: 'a',
      label_value: null,
      kafka_topic: 't',
      kafka_partition: 0,
      kafka_offset: 1,
    })
    await insertRows(ch, LABELS, [row('a'), row('b')], { dedupToken: 't-0-1-2' })
    await insertRows(ch, LABELS, [row('a'), row('b')], { dedupToken: 't-0-1-2' })
    await insertRows(ch, LABELS, [row('c')], { dedupToken: 't-0-3-3' })
    // No token: a plain insert is not deduplicated even though the session saw one before.
    await insertRows(ch, LABELS, [row('d')])
    await insertRows(ch, LABELS, [row('d')])
    const [n] = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM {db:Identifier}.labels')
    expect(Number(n?.n)).toBe(5)
  })
})

describe('packed window rows (migration 013)', () => {
  const win = (model: string) => ({
    model_id: model,
    model_version: 'v1',
    window_start: '2026-11-24 10:00:00.000',
    window_end: '2026-11-24 11:00:00.000',
  })
  const drift = (model: string) =>
    ['psi', 'ks_p_value'].flatMap((metric) =>
      ['amount', 'age'].map((feature, i) => ({
        ...win(model),
        feature,
        feature_type: 'numerical',
        metric,
        value: metric === 'psi' && i === 1 ? null : 0.25 * (i + 1),
        drifted: i,
        n_reference: '9007199254740993',
        n_current: 71 + i,
        reference: 'baseline:v3',
        version: 1,
      })),
    )
  const quality = (model: string) =>
    ['missing_share', 'mean'].map((metric, i) => ({
      ...win(model),
      feature: 'amount',
      metric,
      value: i + 0.5,
      version: 1,
    }))
  const long = (ch: ClickHouse, table: string) =>
    queryRows<Record<string, unknown>>(
      ch,
      `SELECT * EXCEPT computed_at FROM {db:Identifier}.{table:Identifier} ORDER BY ALL`,
      { table },
    )

  it('arrive in drift_windows and quality_windows as the long rows, once per token', async () => {
    const [packed, direct] = [await connect(), await connect()]
    await Promise.all([migrate(packed), migrate(direct)])
    for (const m of ['m1', 'm2']) {
      await insertRows(direct, shared.DRIFT_WINDOWS, drift(m))
      await insertRows(direct, shared.QUALITY_WINDOWS, quality(m))
    }
    // A window's rows as one: the shared columns once, the others as arrays.
    const pack = <R extends Record<string, unknown>>(rows: R[], common: readonly string[]) =>
      Object.fromEntries(
        Object.keys(rows[0]!).map((k) => [k, common.includes(k) ? rows[0]![k] : rows.map((r) => r[k])]),
      )
    const keys = ['model_id', 'model_version', 'window_start', 'window_end', 'version']
    const driftInput = ['m1', 'm2'].map((m) => pack(drift(m), [...keys, 'reference']))
    const qualityInput = ['m1', 'm2'].map((m) => pack(quality(m), keys))
    expect(driftInput).toHaveLength(2)
    // The same block twice (a retried batch): stored once.
    for (let i = 0; i < 2; i++) {
      await insertRows(packed, shared.DRIFT_WINDOWS_INPUT as TableDef<object>, driftInput, {
        dedupToken: 'drift-1',
      })
      await insertRows(packed, shared.QUALITY_WINDOWS_INPUT as TableDef<object>, qualityInput, {
        dedupToken: 'quality-1',
      })
    }
    expect(await long(packed, 'drift_windows')).toEqual(await long(direct, 'drift_windows'))
    expect(await long(packed, 'quality_windows')).toEqual(await long(direct, 'quality_windows'))
    expect(await long(packed, 'drift_windows')).toHaveLength(8)
  })
})

describe('windows of a batch in one query', () => {
  it('counts the windows asked for while other models share the time range', async () => {
    // Seen in CI: the engine computed the window of another model's rows (size 0) before the
    // WHERE dropped them, and the query failed on a division by zero.
    const ch = await connect()
    await migrate(ch)
    const row = (model: string, i: number) => ({
      model_id: model,
      model_version: 'v1',
      prediction_id: `${model}-${i}`,
      event_time: `2026-11-24 ${10 + (i % 2)}:${String(i % 60).padStart(2, '0')}:00.000`,
      num_features: {},
      cat_features: {},
      missing_features: [],
      predicted_label: 'a',
      score: null,
      probabilities: {},
      predicted_value: null,
      attributes: {},
      kafka_topic: 't',
      kafka_partition: 0,
      kafka_offset: i,
    })
    const models = ['a', 'b', 'c']
    await insertRows(
      ch,
      PREDICTIONS,
      models.flatMap((m) => Array.from({ length: 100 }, (_, i) => row(m, i))),
    )
    const hour = 3_600_000
    const ten = Date.UTC(2026, 10, 24, 10)
    const asked = [
      { modelId: 'a', modelVersion: 'v1', start: ten, end: ten + hour },
      { modelId: 'c', modelVersion: 'v1', start: ten + hour, end: ten + 2 * hour },
    ]
    const rows = await runQuery(ch, windowsPredictionCountQuery, windowsParams(asked))
    expect(new Map(rows.map((r) => [r.window, r.n]))).toEqual(
      new Map([
        [windowKeyOf('a', 'v1', ten), 50],
        [windowKeyOf('c', 'v1', ten + hour), 50],
      ]),
    )
  })
})

describe('version gate', () => {
  it('names both versions when a server is too old', () => {
    expect(new UnsupportedClickHouseVersionError('22.8.5').message).toBe(
      'ClickHouse 22.8.5 is older than 23.8, the oldest version vigil supports; upgrade the server',
    )
  })
})

describe('a second process on a data directory in use', () => {
  const script = fileURLToPath(new URL('./hold-data-dir.ts', import.meta.url))
  const node = (args: string[]) =>
    [process.execPath, ['--conditions=@vigil/source', '--import', 'tsx', script, ...args]] as const
  let holder: ChildProcess
  const held = mkdtempSync(join(tmpdir(), 'vigil-ch-held-'))

  beforeAll(async () => {
    const [cmd, args] = node([held, '60000'])
    holder = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve())
      holder.once('exit', () => reject(new Error('holder exited')))
    })
  })
  afterAll(() => {
    holder.kill('SIGKILL')
  })

  it('gets a clear message naming vigil start and CLICKHOUSE_URL, not a stack trace', () => {
    const [cmd, args] = node([held, '0'])
    const second = spawnSync(cmd, args, { encoding: 'utf8' })
    expect(second.status).toBe(1)
    expect(second.stdout).toContain(`the embedded ClickHouse data directory ${held} cannot be opened`)
    expect(second.stdout).toMatch(/vigil start.*CLICKHOUSE_URL/)
  })
})
