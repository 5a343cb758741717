import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ClickHouse, connectClickHouse, migrate } from '@vigil/clickhouse'
import { loadVigilConfig, type VigilConfig } from '@vigil/config'

/** A name no other test uses: `prefix_1a2b3c4d`, valid as a topic prefix and a database name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`
}

let processDataDir: string | undefined

/**
 * The embedded engine allows one data directory per process, and each test file runs in its
 * own process: one directory per process, one database per test.
 */
export function testDataDir(): string {
  processDataDir ??= mkdtempSync(join(tmpdir(), 'vigil-test-ch-'))
  return processDataDir
}

/**
 * A configuration of its own for one test: topics under a unique prefix, a unique database and
 * consumer group, the broker of the test run, and quick batches.
 */
export function testConfig(
  options: { name?: string; dataDir?: string; env?: Record<string, string> } = {},
): VigilConfig {
  const id = uniqueName(options.name ?? 't')
  return loadVigilConfig({
    cwd: tmpdir(),
    env: {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`,
      KAFKA_TOPIC_PREFIX: `${id}.`,
      CLICKHOUSE_DATABASE: id,
      VIGIL_DATA_DIR: options.dataDir ?? testDataDir(),
      VIGIL_HTTP_PORT: '0',
      // Tests publish a little and wait for its drift: the recorder's 1 s, not the drift
      // service's 15 s meant for slow streams into large fleets.
      DRIFT_BATCH_MAX_WAIT_MS: '1000',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...options.env,
    },
  })
}

/** A migrated database of its own on the embedded engine, in this process's data directory. */
export async function migratedClickHouse(prefix: string): Promise<ClickHouse> {
  const ch = await connectClickHouse({ database: uniqueName(prefix), data_dir: testDataDir() })
  await migrate(ch)
  return ch
}

/** Where tests leave pictures for a person to look at after a run (screenshots, alert charts; git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts', import.meta.url))
