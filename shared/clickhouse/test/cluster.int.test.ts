import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadMigrations } from '@vigil/schemas'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClickHouse, connectClickHouse } from '../src/client.js'
import { clusterStatements } from '../src/cluster.js'
import { queryRows } from '../src/insert.js'
import { upStatements } from '../src/migrate.js'

// The DDL of both modes, as snapshots a reviewer reads (test/__snapshots__/*.sql), and every
// statement of the cluster mode parsed by the engine itself (formatQuery parses without running:
// the embedded engine has no cluster to run ON CLUSTER on).

let ch: ClickHouse
beforeAll(async () => {
  ch = await connectClickHouse({ database: 'ddl', data_dir: mkdtempSync(join(tmpdir(), 'vigil-ddl-')) })
}, 60_000)
afterAll(async () => ch?.close())

const migrations = loadMigrations()
const single = migrations.flatMap((m) => [`-- ${m.name}`, ...upStatements(m.sql).map((s) => `${s};`)])
const cluster = migrations.flatMap((m) => [
  `-- ${m.name}`,
  ...upStatements(m.sql)
    .flatMap((s) => clusterStatements(s, { cluster: 'vigil_cluster', database: 'vigil' }))
    .map((s) => `${s};`),
])

describe('migration DDL', () => {
  it('single node and cluster, as snapshots', async () => {
    await expect(`${single.join('\n\n')}\n`).toMatchFileSnapshot('__snapshots__/ddl-single.sql')
    await expect(`${cluster.join('\n\n')}\n`).toMatchFileSnapshot('__snapshots__/ddl-cluster.sql')
  })

  it('replicates every table with its engine and gives it a Distributed table of its name', () => {
    const tables = single
      .filter((s) => !/ENGINE = Null;$/.test(s))
      .flatMap((s) => /^CREATE TABLE IF NOT EXISTS \{db:Identifier\}\.(\w+)/.exec(s)?.[1] ?? [])
    expect(tables.length).toBeGreaterThan(10)
    for (const t of tables) {
      const local = cluster.find((s) =>
        s.startsWith(`CREATE TABLE IF NOT EXISTS {db:Identifier}.${t}_local ON CLUSTER vigil_cluster`),
      )
      expect(local, t).toMatch(
        /ENGINE = Replicated(Replacing)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\w+_local', '\{replica\}'/,
      )
      expect(local, t).not.toMatch(/non_replicated_deduplication_window/)
      expect(cluster, t).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^CREATE TABLE IF NOT EXISTS \\{db:Identifier\\}\\.${t} ON CLUSTER vigil_cluster AS \\{db:Identifier\\}\\.${t}_local\\nENGINE = Distributed\\(vigil_cluster, vigil, ${t}_local, cityHash64\\(\\w+\\)\\);$`,
          ),
        ),
      )
    }
    // An ALTER goes to the replicated table, its columns (not its indexes) to the Distributed one too.
    expect(cluster).toContainEqual(
      expect.stringMatching(
        /^ALTER TABLE \{db:Identifier\}\.pending_labels ON CLUSTER vigil_cluster\n {4}ADD COLUMN IF NOT EXISTS attempts/,
      ),
    )
    expect(
      cluster.filter((s) => s.startsWith('ALTER TABLE {db:Identifier}.pending_labels ON CLUSTER')).join(),
    ).not.toMatch(/INDEX/)
  })

  it('creates Null tables and materialized views on every node as they are', () => {
    for (const t of ['drift_windows_input', 'quality_windows_input'])
      expect(cluster, t).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^CREATE TABLE IF NOT EXISTS \\{db:Identifier\\}\\.${t} ON CLUSTER vigil_cluster \\([^]*ENGINE = Null;$`,
          ),
        ),
      )
    // The view writes to the table of its name: on a cluster, the Distributed one.
    expect(cluster).toContainEqual(
      expect.stringMatching(
        /^CREATE MATERIALIZED VIEW IF NOT EXISTS \{db:Identifier\}\.drift_windows_unpack ON CLUSTER vigil_cluster TO \{db:Identifier\}\.drift_windows AS/,
      ),
    )
  })

  it('the engine parses every cluster statement', async () => {
    const statements = cluster
      .filter((s) => !s.startsWith('--'))
      .map((s) => s.replaceAll('{db:Identifier}', 'vigil').replace(/;$/, ''))
    for (const query of statements) {
      const [row] = await queryRows<{ f: string }>(ch, 'SELECT formatQuery({q:String}) AS f', { q: query })
      expect(row?.f, query).toMatch(/ON CLUSTER vigil_cluster/)
    }
  })
})
