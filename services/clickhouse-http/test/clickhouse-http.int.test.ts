import { connectClickHouse, queryRows } from '@vigil/clickhouse'
import { ConfigError } from '@vigil/config'
import { listeningPort, startServices } from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createClickHouseHttp } from '../src/service.js'

// `clickhouse.serve` in a vigil process: the process's engine answers over HTTP, under the users
// of vigil.yaml, with the process's own tables.

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

const yaml = `clickhouse:
  serve:
    port: 0
    users:
      - { name: vigil, password_env: CH_WRITER_PASSWORD, readonly: false }
      - { name: analyst, password_env: CH_ANALYST_PASSWORD }
`

describe('the clickhouse-http service', () => {
  it('serves the process engine to another process as CLICKHOUSE_URL would reach it', async () => {
    const { proc, config } = await startServices('served', yaml, [createClickHouseHttp], {
      CH_WRITER_PASSWORD: 'writer-password-0123',
      CH_ANALYST_PASSWORD: 'analyst-password-0123',
    })
    cleanup.push(() => proc.stop())
    const url = `http://127.0.0.1:${listeningPort(proc, 'clickhouse-http')}`
    const remote = await connectClickHouse({
      url,
      username: 'analyst',
      password: 'analyst-password-0123',
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
