import { queryRows } from '@vigil/clickhouse'
import { createRecorder } from '@vigil/recorder'
import { freePort, groupLag, makeLabel, makePrediction, startServices, waitFor } from '@vigil/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createApi } from '../src/service.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function setup(maxBody = 1_000_000) {
  const port = await freePort()
  const yaml = `api:
  port: ${port}
  max_body_bytes: ${maxBody}
  tokens:
    - { name: model-service, token_env: API_TOKEN_INGEST, scopes: [ingest] }
    - { name: dashboard, token_env: API_TOKEN_READ, scopes: [read] }
`
  const started = await startServices('api', yaml, [createRecorder, createApi], {
    API_TOKEN_INGEST: 'ingest-token-0123456789',
    API_TOKEN_READ: 'read-token-0123456789',
  })
  cleanup.push(() => started.proc.stop())
  const post = (path: string, body: string, token?: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    })
  return { ...started, post }
}

describe('HTTP API on the real broker and embedded ClickHouse', () => {
  it('ingests NDJSON and JSON arrays: valid events reach ClickHouse, invalid ones are named', async () => {
    const { config, proc, kafka, post } = await setup()
    const ndjson = [0, 1, 2].map((i) => JSON.stringify(makePrediction(i))).join('\n')
    const res = await post('/v1/predictions', `${ndjson}\n{"schema_version": 1}\n`, 'ingest-token-0123456789')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { accepted: number; rejected: { index: number; reason: string }[] }
    expect(body.accepted).toBe(3)
    expect(body.rejected).toHaveLength(1)
    expect(body.rejected[0]).toMatchObject({
      index: 3,
      reason: expect.stringMatching(/missing required field/),
    })

    const labels = await post(
      '/v1/labels',
      JSON.stringify([makeLabel(0), makeLabel(1)]),
      'ingest-token-0123456789',
    )
    expect(await labels.json()).toEqual({ accepted: 2, rejected: [] })

    const { topics } = config.kafka
    expect(
      await waitFor(
        async () =>
          (await groupLag(kafka, config.recorder.groupId, [topics.predictions, topics.labels])) === 0,
        30_000,
      ),
    ).toBe(true)
    const rows = await queryRows<{ t: string; n: number | string }>(
      proc.deps.ch,
      `SELECT 'predictions' AS t, count() AS n FROM {db:Identifier}.predictions
       UNION ALL SELECT 'labels' AS t, count() AS n FROM {db:Identifier}.labels`,
    )
    expect(rows.map((r) => [r.t, Number(r.n)]).sort()).toEqual([
      ['labels', 2],
      ['predictions', 3],
    ])
  })

  it('answers what is wrong: no token 401, wrong scope 403, too big 413, nothing valid 400', async () => {
    const { post } = await setup(2_000)
    const event = JSON.stringify(makePrediction(0))
    const cases: [Response, number, RegExp][] = [
      [await post('/v1/predictions', event), 401, /missing bearer token/],
      [await post('/v1/predictions', event, 'guess'), 401, /unknown bearer token/],
      [
        await post('/v1/predictions', event, 'read-token-0123456789'),
        403,
        /"dashboard" lacks the ingest scope/,
      ],
      [
        await post('/v1/predictions', `${event}\n`.repeat(20), 'ingest-token-0123456789'),
        413,
        /over 2000 bytes/,
      ],
      [
        await post('/v1/predictions', '{"nope": 1}', 'ingest-token-0123456789'),
        400,
        /no valid prediction event/,
      ],
      [await post('/v1/predictions', '[1, 2', 'ingest-token-0123456789'), 400, /invalid JSON/],
      [await post('/v1/nothing', '', 'ingest-token-0123456789'), 404, /no route POST \/v1\/nothing/],
    ]
    for (const [res, status, error] of cases) {
      expect(res.status).toBe(status)
      expect(((await res.json()) as { error: string }).error).toMatch(error)
    }
  })
})
