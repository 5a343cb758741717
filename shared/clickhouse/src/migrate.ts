import { createHash } from 'node:crypto'
import { loadMigrations, type MigrationFile } from '@vigil/schemas'
import { z } from 'zod'
import type { ClickHouse } from './client.js'
import { clusterStatements } from './cluster.js'
import { insertRows, queryRows } from './insert.js'
import { column, defineTable } from './table.js'

export interface MigrationReport {
  applied: string[]
  alreadyApplied: string[]
}

/**
 * Applies the pending migrations of schemas/clickhouse in order and records each in
 * `vigil_migrations`. Safe to run twice and from two processes at once: every statement is
 * idempotent DDL, and the record of a migration is inserted with a deduplication token.
 * @example await migrate(ch)
 */
export async function migrate(
  ch: ClickHouse,
  migrations: MigrationFile[] = loadMigrations(),
): Promise<MigrationReport> {
  const db = { db: ch.database }
  const cluster = ch.cluster ? { cluster: ch.cluster, database: ch.database } : undefined
  const statementsOf = (statement: string) => (cluster ? clusterStatements(statement, cluster) : [statement])
  await ch.client.command({
    query: `CREATE DATABASE IF NOT EXISTS {db:Identifier}${cluster ? ` ON CLUSTER ${cluster.cluster}` : ''}`,
    query_params: db,
  })
  for (const query of statementsOf(`CREATE TABLE IF NOT EXISTS {db:Identifier}.vigil_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version
      SETTINGS non_replicated_deduplication_window = 1000`))
    await ch.client.command({ query, query_params: db })
  const done = new Set(
    (
      await queryRows<{ version: number }>(
        ch,
        'SELECT DISTINCT version FROM {db:Identifier}.vigil_migrations',
      )
    ).map((r) => Number(r.version)),
  )
  const report: MigrationReport = { applied: [], alreadyApplied: [] }
  for (const m of migrations) {
    if (done.has(m.version)) {
      report.alreadyApplied.push(m.name)
      continue
    }
    for (const statement of upStatements(m.sql))
      for (const query of statementsOf(statement)) await ch.client.command({ query, query_params: db })
    await insertRows(
      ch,
      MIGRATIONS,
      [{ version: m.version, name: m.name, checksum: createHash('sha256').update(m.sql).digest('hex') }],
      { dedupToken: `migration-${m.version}` },
    )
    report.applied.push(m.name)
  }
  return report
}

/** The record of applied migrations, created by the runner itself. */
const MIGRATIONS = defineTable(
  'vigil_migrations',
  z.object({ version: column.uint32, name: column.string, checksum: column.string }),
)

/** The statements between `-- migrate:up` and `-- migrate:down` (or the end), comments removed. */
export function upStatements(sql: string): string[] {
  const up = sql
    .split(/^--\s*migrate:down\s*$/m)[0]!
    .split(/^--\s*migrate:up\s*$/m)
    .at(-1)!
  return up
    .split(/;\s*$/m)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0)
}
