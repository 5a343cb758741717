import {
  type AlertFilter,
  type AlertHistoryRow,
  type AlertRow,
  type ClickHouse,
  connectClickHouse,
  createSqlRunner,
  EmbeddedClickHouseBusyError,
  expired,
  type HistoryFilter,
  listSilences,
  loadSilence,
  migrate,
  type Page,
  planSilence,
  queryAlertHistory,
  queryAlerts,
  type SilenceJson,
  type SilenceRequest,
  SqlQueryError,
  type SqlResult,
  saveSilence,
  silenceJson,
} from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'

/** What `vigil sql`, `vigil alerts` and `vigil silence` need, from the API or from ClickHouse. */
export interface Backend {
  /** Where the answers come from, for messages. */
  where: string
  sql(query: string): Promise<SqlResult>
  alerts(filter: AlertFilter): Promise<AlertRow[]>
  history(filter: HistoryFilter): Promise<Page<AlertHistoryRow>>
  silences(all: boolean): Promise<SilenceJson[]>
  addSilence(request: SilenceRequest): Promise<SilenceJson>
  expireSilence(id: string): Promise<SilenceJson>
  close(): Promise<void>
}

/** A refusal of what the user asked (exit 2), as opposed to an environment problem (exit 1). */
export class UserError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UserError'
  }
}

/**
 * The running API when `VIGIL_API_URL` is set (the only way in while `vigil start` holds the
 * embedded engine), else ClickHouse itself: a server, or the embedded engine when no process holds it.
 */
export async function openBackend(config: VigilConfig): Promise<Backend> {
  if (config.client.api_url) return apiBackend(config.client.api_url, config.client.api_token)
  let ch: ClickHouse
  try {
    ch = await connectClickHouse(config.clickhouse)
  } catch (err) {
    if (err instanceof EmbeddedClickHouseBusyError)
      throw new EmbeddedClickHouseBusyError(
        config.clickhouse.data_dir,
        'another process holds it (is `vigil start` running?). Set VIGIL_API_URL and VIGIL_API_TOKEN to go through its API instead',
      )
    throw err
  }
  await migrate(ch)
  return directBackend(ch, config)
}

async function directBackend(ch: ClickHouse, config: VigilConfig): Promise<Backend> {
  const runner = await createSqlRunner(ch, config.clickhouse, config.api.sql)
  const sqlError = (err: unknown) => {
    throw err instanceof SqlQueryError ? new UserError(err.message) : err
  }
  return {
    where:
      ch.kind === 'server'
        ? `ClickHouse ${ch.serverVersion}`
        : `the embedded ClickHouse in ${config.clickhouse.data_dir}`,
    sql: (query) => runner.run(query).catch(sqlError),
    alerts: (f) => queryAlerts(ch, f),
    history: (f) => queryAlertHistory(ch, f),
    silences: async (all) => {
      const now = Date.now()
      return (await listSilences(ch, all ? {} : { activeAt: now })).map((s) => silenceJson(s, now))
    },
    addSilence: async (request) => {
      const now = Date.now()
      const plan = planSilence(request, now)
      if (!plan.ok) throw new UserError(plan.error)
      const id = await saveSilence(ch, plan.silence)
      return silenceJson((await loadSilence(ch, id))!, now)
    },
    expireSilence: async (id) => {
      const now = Date.now()
      const s = await loadSilence(ch, id)
      if (!s) throw new UserError(`no silence ${id}`)
      if (s.endsAt > now) await saveSilence(ch, expired(s, now))
      return silenceJson((await loadSilence(ch, id))!, now)
    },
    close: async () => {
      await runner.close()
      await ch.close()
    },
  }
}

function apiBackend(base: string, token: string | undefined): Backend {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message
      throw new Error(`cannot reach the vigil API at ${base}: ${cause ?? (err as Error).message}`)
    }
    const text = await res.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new Error(`the vigil API at ${base} answered ${res.status} without JSON`)
    }
    if (!res.ok) {
      const error = (json as { error?: string }).error ?? `HTTP ${res.status}`
      const hint = res.status === 401 && !token ? ' (set VIGIL_API_TOKEN)' : ''
      if (res.status >= 400 && res.status < 500) throw new UserError(`${error}${hint}`)
      throw new Error(`the vigil API answered ${res.status}: ${error}`)
    }
    return json as T
  }
  const query = (params: Record<string, unknown>) => {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined) continue
      q.set(k, (k === 'from' || k === 'to') && typeof v === 'number' ? new Date(v).toISOString() : String(v))
    }
    const s = q.toString()
    return s ? `?${s}` : ''
  }
  return {
    where: `the vigil API at ${base}`,
    sql: (q) => call('POST', '/v1/sql', { query: q }),
    alerts: async (f) => (await call<{ data: AlertRow[] }>('GET', `/v1/alerts${query({ ...f })}`)).data,
    history: (f) => call('GET', `/v1/alerts/history${query({ ...f })}`),
    silences: async (all) =>
      (await call<{ data: SilenceJson[] }>('GET', `/v1/silences${query({ all })}`)).data,
    addSilence: (request) => call('POST', '/v1/silences', request),
    expireSilence: (id) => call('DELETE', `/v1/silences/${encodeURIComponent(id)}`),
    close: async () => {},
  }
}
