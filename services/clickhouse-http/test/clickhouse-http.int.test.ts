import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { connectClickHouse, DRIFT_WINDOWS, insertRows, queryRows } from '@vigil/clickhouse'
import { ConfigError } from '@vigil/config'
import { driftWindowRows, listeningPort, makeDriftMetrics, pythonVenv, startServices } from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createClickHouseHttp } from '../src/service.js'

// `clickhouse.serve` in a vigil process: the process's engine answers over HTTP, under the users
// of vigil.yaml, with the process's own tables, to vigil's client code and to an analyst's
// clickhouse-connect from PyPI.

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

const PASSWORDS = { CH_WRITER_PASSWORD: 'writer-password-0123', CH_ANALYST_PASSWORD: 'analyst-password-0123' }

const yaml = `clickhouse:
  serve:
    port: 0
    users:
      - { name: vigil, password_env: CH_WRITER_PASSWORD, readonly: false }
      - { name: analyst, password_env: CH_ANALYST_PASSWORD }
`

describe('the clickhouse-http service', () => {
  it('serves the process engine to another process as CLICKHOUSE_URL would reach it', async () => {
    const { proc, config } = await startServices('served', yaml, [createClickHouseHttp], PASSWORDS)
    cleanup.push(() => proc.stop())
    const url = `http://127.0.0.1:${listeningPort(proc, 'clickhouse-http')}`
    const remote = await connectClickHouse({
      url,
      username: 'analyst',
      password: PASSWORDS.CH_ANALYST_PASSWORD,
      database: config.clickhouse.database,
      data_dir: '/nonexistent',
    })
    cleanup.push(() => remote.close())
    // The migrated tables of the process, read through the served engine.
    const tables = await queryRows<{ name: string }>(
      remote,
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
      { db: config.clickhouse.database },
    )
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['drift_windows', 'predictions']))
  })

  it("an analyst's clickhouse-connect (PyPI) reads the process's tables as the read-only user", async () => {
    const python = await pythonVenv('.venv-analysts', 'clickhouse_connect', 'clickhouse-connect==1.12.0')
    const { proc, config } = await startServices('served', yaml, [createClickHouseHttp], PASSWORDS)
    cleanup.push(() => proc.stop())
    await insertRows(
      proc.deps.ch,
      DRIFT_WINDOWS,
      driftWindowRows([0.05, 0.4].map((psi, w) => makeDriftMetrics(w, { amount: psi }))),
    )
    const script = `
import os, clickhouse_connect
c = clickhouse_connect.get_client(host="127.0.0.1", port=int(os.environ["PORT"]), username="analyst",
                                  password=os.environ["PASSWORD"], database=os.environ["DATABASE"])
print(c.query("SELECT model_id, feature, round(max(value), 2) AS worst FROM drift_windows GROUP BY model_id, feature").result_rows)
print(c.command("SELECT count() FROM drift_windows"))
try:
    c.command("DROP TABLE drift_windows")
except Exception as e:
    print("refused", type(e).__name__, "READONLY" in str(e))
`
    const { stdout } = await promisify(execFile)(python, ['-c', script], {
      env: {
        ...process.env,
        PORT: String(listeningPort(proc, 'clickhouse-http')),
        PASSWORD: PASSWORDS.CH_ANALYST_PASSWORD,
        DATABASE: config.clickhouse.database,
      },
      timeout: 60_000,
    })
    expect(stdout.trim().split('\n')).toEqual([
      "[('fraud', 'amount', 0.4)]",
      '2',
      'refused DatabaseError True',
    ])
  }, 300_000)

  it("refuses to start without a user's password, naming its variable", async () => {
    await expect(
      startServices('served', yaml, [createClickHouseHttp], {
        CH_WRITER_PASSWORD: 'writer-password-0123',
      }),
    ).rejects.toSatisfy(
      (e) =>
        e instanceof ConfigError &&
        /CH_ANALYST_PASSWORD: not set: the password of ClickHouse user "analyst"/.test(e.message),
    )
  })
})
