import { createHmac } from 'node:crypto'
import { listSilences } from '@vigil/clickhouse'
import { SLACK_ACTIONS, slackActionValue } from '@vigil/events'
import { listeningPort, slackStandIn, startServices } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApi } from '../src/service.js'

// An alert's Slack buttons, clicked: Slack posts a signed block_actions payload to the API, which
// checks the signature, stores the silence and says so in the alert's thread (the Slack stand-in).

const SECRET = 'slack-signing-secret-for-tests'
let started: Awaited<ReturnType<typeof startServices>>
let slack: Awaited<ReturnType<typeof slackStandIn>>
let url: string
beforeAll(async () => {
  slack = await slackStandIn()
  started = await startServices(
    'slack',
    'api:\n  port: 0\n  tokens:\n    - { name: ops, token_env: API_TOKEN_ADMIN, scopes: [admin] }\n',
    [createApi],
    {
      API_TOKEN_ADMIN: 'admin-token-0123456789',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.url,
    },
  )
  url = `http://127.0.0.1:${listeningPort(started.proc, 'api')}/v1/slack/interactions`
}, 120_000)
afterAll(async () => {
  await started?.proc.stop()
  await slack?.close()
})

/** The body and headers Slack sends for a click on `action` of the alert message `ts`. */
function click(action: string, options: { ageS?: number; secret?: string; value?: string } = {}) {
  const payload = {
    type: 'block_actions',
    user: { id: 'U123', username: 'alice' },
    channel: { id: 'C_ml-alerts' },
    message: { ts: '1700000000.000042' },
    actions: [
      {
        action_id: action,
        value:
          options.value ?? slackActionValue({ rule: 'feature-drift', model: 'fraud', subject: 'amount' }),
      },
    ],
  }
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
  const ts = String(Math.floor(Date.now() / 1000) - (options.ageS ?? 0))
  const signature = `v0=${createHmac('sha256', options.secret ?? SECRET)
    .update(`v0:${ts}:${body}`)
    .digest('hex')}`
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature,
    },
    body,
  }
}

describe('POST /v1/slack/interactions', () => {
  it('refuses a bad signature and an old timestamp, and stores nothing', async () => {
    const bad = await fetch(url, click(SLACK_ACTIONS.silence, { secret: 'not-the-secret' }))
    expect(bad.status).toBe(401)
    expect(((await bad.json()) as { error: string }).error).toBe(
      'not a request from Slack: X-Slack-Signature does not match',
    )
    const old = await fetch(url, click(SLACK_ACTIONS.silence, { ageS: 6 * 60 }))
    expect(old.status).toBe(401)
    expect(((await old.json()) as { error: string }).error).toMatch(/more than 5 minutes off/)
    expect(await listSilences(started.proc.deps.ch, {})).toEqual([])
    expect(slack.posts).toEqual([])
  }, 60_000)

  it('Silence 2 h creates the silence and says so in the thread; Acknowledge says who', async () => {
    const before = Date.now()
    const res = await fetch(url, click(SLACK_ACTIONS.silence))
    expect(res.status).toBe(200)
    const [silence] = await listSilences(started.proc.deps.ch, {})
    expect(silence).toMatchObject({
      rule: 'feature-drift',
      modelId: 'fraud',
      subject: 'amount',
      author: 'slack:alice',
    })
    expect(silence!.endsAt - silence!.startsAt).toBe(2 * 3_600_000)
    expect(silence!.startsAt).toBeGreaterThanOrEqual(before - 1000)
    expect((await fetch(url, click(SLACK_ACTIONS.acknowledge))).status).toBe(200)
    expect(slack.posts.map((p) => [p.channel, p.threadTs, p.text.replace(/until \S+/, 'until …')])).toEqual([
      [
        'C_ml-alerts',
        '1700000000.000042',
        ':no_bell: Silenced for 2 h by alice: feature-drift on fraud (amount), until …',
      ],
      ['C_ml-alerts', '1700000000.000042', ':eyes: Acknowledged by alice: feature-drift on fraud (amount)'],
    ])
  }, 60_000)

  it("refuses a signed payload that is not one of vigil's buttons", async () => {
    const res = await fetch(url, click(SLACK_ACTIONS.silence, { value: '{"x":1}' }))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/names no alert of vigil's/)
  }, 60_000)
})
