import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApi } from '@vigil/api'
import { ALERTS, insertRows, toClickHouseTime } from '@vigil/clickhouse'
import { createRecorder } from '@vigil/recorder'
import { listeningPort, startServices } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { envFor, finished, spawnVigil } from './processes.js'

const T0 = Date.UTC(2026, 10, 24, 8)

// `vigil sql`, `vigil alerts` and `vigil silence` as a person runs them: through the API while a
// vigil process holds the embedded engine, and straight on ClickHouse when none does.
describe('vigil sql, alerts and silence', () => {
  it('go through the running API, and say how when the engine is held', async () => {
    const yaml = `api:
  port: 0
  tokens:
    - { name: analyst, token_env: API_TOKEN_ANALYST, scopes: [read] }
    - { name: oncall, token_env: API_TOKEN_ONCALL, scopes: [read, admin] }
`
    const tokens = {
      API_TOKEN_ANALYST: 'analyst-token-0123456789',
      API_TOKEN_ONCALL: 'oncall-token-0123456789',
    }
    const { config, proc } = await startServices('cliclient', yaml, [createRecorder, createApi], tokens)
    const port = listeningPort(proc, 'api')
    try {
      await insertRows(proc.deps.ch, ALERTS, [
        {
          alert_key: 'feature-drift|fraud|v1|amount',
          rule: 'feature-drift',
          model_id: 'fraud',
          model_version: 'v1',
          subject: 'amount',
          status: 'firing',
          severity: 'critical',
          value: 0.41234,
          window_start: toClickHouseTime(T0),
          episode: 'e1',
          since: toClickHouseTime(T0),
          state: '{}',
          seq: 1,
        },
      ])
      const api = { VIGIL_API_URL: `http://127.0.0.1:${port}`, VIGIL_API_TOKEN: tokens.API_TOKEN_ONCALL }
      const vigil = (args: string[], extra: Record<string, string> = api) =>
        finished(spawnVigil(args, envFor(config, extra)))

      const csv = await vigil([
        'sql',
        "SELECT * FROM (SELECT 'a,b' AS x, 2 AS n UNION ALL SELECT 'c', 3) ORDER BY n",
        '--format',
        'csv',
      ])
      expect(csv.code, csv.stderr).toBe(0)
      expect(csv.stdout).toBe('x,n\n"a,b",2\nc,3\n')
      const table = await vigil(['alerts'])
      expect(table.stdout).toMatch(
        /firing\s+critical\s+feature-drift\s+fraud v1\s+amount\s+0\.4123\s+2026-11-24T08:00:00\.000Z/,
      )

      const added = await vigil([
        'silence',
        'add',
        '--rule',
        'feature-drift',
        '--model',
        'fraud',
        '--for',
        '2h',
        '--comment',
        'retraining',
      ])
      expect(added.code, added.stderr).toBe(0)
      const id = /^silence ([0-9a-f]{12}):/.exec(added.stdout)?.[1]
      expect(id).toBeDefined()
      const listed = await vigil(['silence', 'list', '--format', 'json'])
      expect(JSON.parse(listed.stdout.trim())).toMatchObject({
        id,
        rule: 'feature-drift',
        active: true,
        comment: 'retraining',
      })
      expect((await vigil(['silence', 'expire', id!])).stdout).toContain(`silence ${id} ended`)
      expect((await vigil(['silence', 'list'])).stdout).toBe('no silences\n')

      // Refusals are one line with exit 2: the API's own sentence.
      const refused = await vigil(['sql', 'DROP TABLE predictions'])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toBe(
        'vigil: only read queries are allowed (SELECT, WITH, SHOW, DESCRIBE, EXISTS), not DROP\n',
      )
      const scope = await vigil(['silence', 'add', '--for', '1h'], {
        ...api,
        VIGIL_API_TOKEN: tokens.API_TOKEN_ANALYST,
      })
      expect(scope.code).toBe(2)
      expect(scope.stderr).toContain('token "analyst" lacks the admin scope')

      // Without VIGIL_API_URL the CLI opens the engine, which this process holds: it says what to do.
      const held = await vigil(['alerts'], {})
      expect(held.code).toBe(1)
      expect(held.stderr).toContain('Set VIGIL_API_URL and VIGIL_API_TOKEN')
      expect(held.stderr).not.toMatch(/\n\s+at /)
    } finally {
      await proc.stop()
    }
  })

  it('work on the embedded engine directly when no process holds it', async () => {
    const env = {
      ...process.env,
      LOG_LEVEL: 'warn',
      VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-cli-direct-')),
    }
    const run = (args: string[]) => finished(spawnVigil(args, env))
    const sql = await run([
      'sql',
      'SELECT count() AS tables FROM system.tables WHERE database = currentDatabase()',
      '--format',
      'json',
    ])
    expect(sql.code, sql.stderr).toBe(0)
    expect(JSON.parse(sql.stdout).tables).toBeGreaterThan(10)
    expect((await run(['alerts'])).stdout).toBe('nothing is firing or pending\n')
    const bad = await run(['silence', 'add', '--until', '2020-01-01T00:00:00Z'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('vigil: the silence ends in the past\n')
  })
})
