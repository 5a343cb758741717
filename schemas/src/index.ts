import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Absolute path of the schemas package (events/, clickhouse/), found the same way from src/ or dist/. */
export const schemasDir = dirname(createRequire(import.meta.url).resolve('@vigil/schemas/package.json'))

/** The JSON Schema documents of vigil's event contracts, by file name without extension. */
export type EventSchemaName =
  | 'prediction.v1'
  | 'label.v1'
  | 'metrics.v1'
  | 'outcome.v1'
  | 'alert.v1'
  | 'webhook.v1'

export function loadEventSchema(name: EventSchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemasDir, 'events', `${name}.schema.json`), 'utf8')) as Record<
    string,
    unknown
  >
}

export interface MigrationFile {
  version: number
  name: string
  sql: string
}

/** The ClickHouse migrations `NNN_verb_object.sql`, in order. */
export function loadMigrations(dir = join(schemasDir, 'clickhouse')): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, f), 'utf8'),
    }))
}
