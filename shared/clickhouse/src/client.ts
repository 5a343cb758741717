import { mkdirSync } from 'node:fs'
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'

/** Where vigil keeps its tables: a ClickHouse server (`url`), or the embedded engine in `data_dir` (the `clickhouse` settings). */
export interface ClickHouseOptions {
  url?: string
  username?: string
  password?: string
  database: string
  data_dir: string
  request_timeout_ms?: number
  /** A ClickHouse cluster's name: migrations create replicated and Distributed tables on it. */
  cluster?: string
}

export interface ClickHouse {
  client: ClickHouseClient
  /** Database that holds vigil's tables; every query names it through `{db:Identifier}`. */
  database: string
  kind: 'embedded' | 'server'
  serverVersion: string
  /** `clickhouse.cluster`: the tables are replicated across it (migrate.ts, cluster.ts). */
  cluster?: string
  close(): Promise<void>
  /** Set by attachQueryMetrics: rows a named query returned. */
  observe?: (query: string, rows: number) => void
  /** Set by attachQueryMetrics: how long a named query took, `ok` or `error`. */
  observeDuration?: (query: string, outcome: string, seconds: number) => void
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

export const MIN_SERVER_VERSION = '23.8'

/** The embedded engine's data directory is held by another process (or this one holds another). */
export class EmbeddedClickHouseBusyError extends Error {
  constructor(dataDir: string, cause: string) {
    super(
      `the embedded ClickHouse data directory ${dataDir} cannot be opened: ${cause}. ` +
        'Only one process can use it at a time: run every service in one process with `vigil start`, ' +
        'stop the process that holds it, or point every process at a ClickHouse server with CLICKHOUSE_URL.',
    )
    this.name = 'EmbeddedClickHouseBusyError'
  }
}

export class UnsupportedClickHouseVersionError extends Error {
  constructor(found: string) {
    super(
      `ClickHouse ${found} is older than ${MIN_SERVER_VERSION}, the oldest version vigil supports; upgrade the server`,
    )
    this.name = 'UnsupportedClickHouseVersionError'
  }
}

/**
 * Connects `@clickhouse/client` to a server when `url` is set, else to the embedded chDB engine,
 * and refuses servers older than {@link MIN_SERVER_VERSION}. The same client API either way.
 * @example const ch = await connectClickHouse({ database: 'vigil', data_dir: './data/clickhouse' })
 */
export async function connectClickHouse(options: ClickHouseOptions): Promise<ClickHouse> {
  const { url, database, data_dir: dataDir, request_timeout_ms: requestTimeoutMs = 30_000 } = options
  let client: ClickHouseClient
  if (url) {
    client = createClient({
      url,
      username: options.username,
      password: options.password,
      request_timeout: requestTimeoutMs,
      // Below the server's 3 s keep_alive_timeout, so the client never reuses a socket the server closed.
      keep_alive: { idle_socket_ttl: 2500 },
      // The client logs every failed request itself, with arguments; vigil logs its own errors once.
      log: { level: ClickHouseLogLevel.OFF },
    })
  } else {
    mkdirSync(dataDir, { recursive: true })
    let connection: ReturnType<typeof createChdbConnection>
    try {
      connection = createChdbConnection({ path: dataDir })
    } catch (err) {
      const e = err as Error & { cause?: Error }
      throw new EmbeddedClickHouseBusyError(dataDir, e.message)
    }
    // chdb types its Connection against @clickhouse/client-common, which @clickhouse/client also
    // bundles as its own copy; the two declarations are identical but nominally distinct.
    client = createClient({
      connection: connection as unknown as ClientConnection,
      log: { level: ClickHouseLogLevel.OFF },
    })
  }
  const rows = await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{
    v: string
  }>()
  const serverVersion = rows[0]?.v ?? '0'
  if (compareVersions(serverVersion, MIN_SERVER_VERSION) < 0) {
    await client.close()
    throw new UnsupportedClickHouseVersionError(serverVersion)
  }
  return {
    client,
    database,
    kind: url ? 'server' : 'embedded',
    serverVersion,
    ...(url && options.cluster ? { cluster: options.cluster } : {}),
    close: () => client.close(),
  }
}

/** Compares dotted versions numerically: `compareVersions('23.10.1', '23.8') > 0`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
