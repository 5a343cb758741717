import { createHmac, timingSafeEqual } from 'node:crypto'
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { WebClient } from '@slack/web-api'
import { type ClickHouse, saveSilence } from '@vigil/clickhouse'
import { parseSlackActionValue, SLACK_ACTIONS, SLACK_SILENCE_MS, type SlackAlertRef } from '@vigil/events'
import type { Logger } from '@vigil/observability'
import { errorResponses, fail } from '../http.js'

/** Slack's interaction requests older than this are refused (its docs: replay protection). */
const MAX_AGE_S = 5 * 60

/**
 * Whether a request is Slack's: `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, with the
 * app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<raw body>`; the timestamp within 5
 * minutes of now. A reason when not.
 */
export function slackSignatureProblem(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  body: string,
  nowMs: number,
): string | undefined {
  const ts = Number(headers.timestamp)
  if (!headers.timestamp || !Number.isInteger(ts)) return 'no X-Slack-Request-Timestamp'
  if (Math.abs(nowMs / 1000 - ts) > MAX_AGE_S) return 'X-Slack-Request-Timestamp is more than 5 minutes off'
  if (!headers.signature?.startsWith('v0=')) return 'no X-Slack-Signature (v0=…)'
  const want = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${headers.timestamp}:${body}`).digest('hex')}`,
  )
  const got = Buffer.from(headers.signature)
  return got.length === want.length && timingSafeEqual(got, want)
    ? undefined
    : 'X-Slack-Signature does not match'
}

/** What vigil reads of a `block_actions` payload. */
const Payload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
})

export interface SlackInteractionDeps {
  ch: ClickHouse
  log: Logger
  now: () => number
  slack: { token?: string; api_url?: string; signing_secret?: string }
}

const describe = (r: SlackAlertRef) => `${r.rule} on ${r.model}${r.subject === '*' ? '' : ` (${r.subject})`}`

/**
 * `POST /v1/slack/interactions`: the *Acknowledge* and *Silence 2 h* buttons of an alert in Slack.
 * Authenticated by Slack's request signature, not a bearer token; a silence is stored like one
 * made with `POST /v1/silences`, and each click is told in the alert's thread.
 */
export function slackRoutes(app: OpenAPIHono, deps: SlackInteractionDeps): void {
  const { signing_secret: secret, token } = deps.slack
  const client = token
    ? new WebClient(token, {
        retryConfig: { retries: 2 },
        ...(deps.slack.api_url ? { slackApiUrl: deps.slack.api_url } : {}),
      })
    : undefined
  const route = createRoute({
    method: 'post',
    path: '/v1/slack/interactions',
    tags: ['alerts'],
    summary: "Slack's interactivity request URL: an alert's Acknowledge and Silence 2 h buttons",
    description:
      "Set as the Slack app's Interactivity request URL. Signed by Slack (X-Slack-Signature with the signing secret, SLACK_SIGNING_SECRET; requests older than 5 minutes are refused). Silence 2 h stores a silence of the rule on the model (and subject) from now; both buttons are told in the alert's thread.",
    request: {
      headers: z.object({
        'x-slack-request-timestamp': z.string().optional(),
        'x-slack-signature': z.string().optional(),
      }),
      body: {
        required: true,
        content: {
          // Described, not validated: the signature is over the raw body, read as it came.
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object' as const,
              required: ['payload'],
              properties: {
                payload: { type: 'string' as const, description: "Slack's block_actions payload, JSON" },
              },
            },
          },
        },
      },
    },
    responses: {
      200: { description: 'Handled; Slack shows nothing more than the thread message' },
      ...errorResponses(404),
    },
  })
  app.openapi(route, async (c) => {
    if (!secret) return fail(c, 404, 'Slack interactivity is not configured: set SLACK_SIGNING_SECRET')
    const body = await c.req.text()
    const problem = slackSignatureProblem(
      secret,
      { timestamp: c.req.header('x-slack-request-timestamp'), signature: c.req.header('x-slack-signature') },
      body,
      deps.now(),
    )
    if (problem) return fail(c, 401, `not a request from Slack: ${problem}`)
    let payload: z.output<typeof Payload>
    try {
      payload = Payload.parse(JSON.parse(new URLSearchParams(body).get('payload') ?? ''))
    } catch {
      return fail(c, 400, 'the body has no block_actions payload')
    }
    const action = payload.actions[0]!
    const ref = parseSlackActionValue(action.value)
    if (!ref) return fail(c, 400, `action ${action.action_id} names no alert of vigil's`)
    const who = payload.user.username ?? payload.user.name ?? payload.user.id
    let told: string
    if (action.action_id === SLACK_ACTIONS.silence) {
      const now = deps.now()
      await saveSilence(deps.ch, {
        rule: ref.rule,
        modelId: ref.model,
        subject: ref.subject,
        startsAt: now,
        endsAt: now + SLACK_SILENCE_MS,
        comment: 'from Slack: Silence 2 h',
        author: `slack:${who}`,
      })
      told = `:no_bell: Silenced for 2 h by ${who}: ${describe(ref)}, until ${new Date(now + SLACK_SILENCE_MS).toISOString().slice(0, 16)}Z`
    } else if (action.action_id === SLACK_ACTIONS.acknowledge)
      told = `:eyes: Acknowledged by ${who}: ${describe(ref)}`
    else return fail(c, 400, `unknown action ${action.action_id}`)
    const channel = payload.channel?.id ?? payload.container?.channel_id
    const thread = payload.message?.thread_ts ?? payload.message?.ts ?? payload.container?.message_ts
    if (client && channel && thread)
      await client.chat
        .postMessage({ channel, thread_ts: thread, text: told })
        .catch((err: unknown) =>
          deps.log.warn({ err }, 'Slack interaction handled, but not told in the thread'),
        )
    deps.log.info(
      { action: action.action_id, rule: ref.rule, model: ref.model, user: who },
      'Slack interaction',
    )
    return c.body(null, 200)
  })
}
