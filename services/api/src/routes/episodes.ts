import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { episodeSpec, thresholdsOf, toPng, toSvg } from '@vigil/charts'
import { AlertHistoryRow, type ClickHouse, queryAlertHistory, queryMetricSeries } from '@vigil/clickhouse'
import { formatCondition, type VigilConfig } from '@vigil/config'
import { chartSignatureValid } from '@vigil/events'
import type { MiddlewareHandler } from 'hono'
import { bearer, errorResponses, fail, type ScopeGuard } from '../http.js'

export interface EpisodeRoutesDeps {
  ch: ClickHouse
  config: Pick<VigilConfig, 'rules'>
  /** VIGIL_LINK_SECRET: verifies signed chart links; without it only tokens open charts. */
  linkSecret?: string
}

/** Windows a chart draws up to the episode's last, as in the notification's picture. */
const WINDOWS = 25
/** Subjects drawn at most. */
const SUBJECTS = 5

const iso = z.string().describe('ISO 8601, UTC')
const EpisodeId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'an episode id')

const Episode = z
  .object({
    episode: z.string(),
    rule: z.string(),
    model_id: z.string(),
    model_version: z.string(),
    severity: z.string(),
    status: z.string().describe('the latest transition: firing, repeat, resolved, …'),
    metric: z
      .string()
      .nullable()
      .describe("the rule's metric; null when the rule is no longer in vigil.yaml"),
    condition: z.string().nullable().openapi({ example: '> 0.2' }),
    runbook: z.string().nullable(),
    subjects: z.array(z.string()),
    window_ms: z.number().int(),
    fired_window: iso.describe('the window that fired'),
    last_window: iso,
    transitions: z.array(AlertHistoryRow).describe('oldest first'),
    chart: z
      .object({
        metric: z.string(),
        thresholds: z.array(z.number()),
        series: z.array(
          z.object({
            subject: z.string(),
            points: z.array(z.object({ window_start: iso, value: z.number().nullable() })),
          }),
        ),
      })
      .nullable()
      .describe('the metric over the windows up to the last, per subject: what the notification drew'),
  })
  .openapi('AlertEpisode')

/** An episode as the route answers it, or undefined when there is none. */
async function loadEpisode(
  deps: EpisodeRoutesDeps,
  episode: string,
): Promise<z.output<typeof Episode> | undefined> {
  const history = await queryAlertHistory(deps.ch, { episode, limit: 1000 })
  const transitions = [...history.data].reverse()
  const first = transitions.find((t) => t.transition === 'firing') ?? transitions[0]
  const last = transitions.at(-1)
  if (!first || !last) return undefined
  const rule = deps.config.rules.find((r) => r.name === first.rule)
  const subjects = [...new Set(transitions.map((t) => t.subject))]
  const windowMs = Math.max(1, Date.parse(first.window_end) - Date.parse(first.window_start))
  const metric = rule ? `${rule.family}.${rule.metric}` : null
  const condition = rule ? formatCondition(rule.condition) : null
  const series =
    metric === null
      ? []
      : await Promise.all(
          subjects.slice(0, SUBJECTS).map((subject) =>
            queryMetricSeries(deps.ch, {
              metric,
              subject,
              modelId: first.model_id,
              modelVersion: first.model_version,
              windowStart: Date.parse(last.window_start),
              windowMs,
              windows: WINDOWS,
            }),
          ),
        )
  return {
    episode,
    rule: first.rule,
    model_id: first.model_id,
    model_version: first.model_version,
    severity: first.severity,
    status: last.status,
    metric,
    condition,
    runbook: rule?.runbook ?? null,
    subjects,
    window_ms: windowMs,
    fired_window: first.window_start,
    last_window: last.window_start,
    transitions,
    chart:
      metric === null || condition === null
        ? null
        : {
            metric,
            thresholds: thresholdsOf(condition),
            series: series.map((s) => ({
              subject: s.subject,
              points: s.points.map((p) => ({
                window_start: new Date(p.windowStart).toISOString(),
                value: p.value,
              })),
            })),
          },
  }
}

/** The episode's chart as the notification drew it. */
async function chartPng(e: z.output<typeof Episode>): Promise<Buffer | undefined> {
  if (!e.chart) return undefined
  const svg = await toSvg(episodeSpec({ ...e, chart: e.chart }))
  return toPng(svg, 1280)
}

/** One firing episode, what a notification links to: its transitions and its chart's data. */
export function episodeRoutes(app: OpenAPIHono, requireScope: ScopeGuard, deps: EpisodeRoutesDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts/episodes/{episode}',
      tags: ['alerts'],
      summary: 'One firing episode: its transitions, the rule, and the metric over the windows around it',
      security: bearer,
      middleware: [requireScope('read')],
      request: { params: z.object({ episode: EpisodeId }) },
      responses: {
        200: { description: 'The episode', content: { 'application/json': { schema: Episode } } },
        ...errorResponses(404, 503),
      },
    }),
    async (c) => {
      const { episode } = c.req.valid('param')
      const found = await loadEpisode(deps, episode)
      if (!found) return fail(c, 404, `no alert episode ${episode}`)
      return c.json(found, 200)
    },
  )
  const readOrSigned: MiddlewareHandler = async (c, next) => {
    const sig = c.req.query('sig')
    if (sig === undefined) return requireScope('read')(c, next)
    const episode = c.req.param('episode') ?? ''
    if (!deps.linkSecret || !chartSignatureValid(deps.linkSecret, episode, sig))
      return fail(c, 403, "the link's signature does not match this episode (or links are not signed here)")
    await next()
  }
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts/episodes/{episode}/chart.png',
      tags: ['alerts'],
      summary: "An episode's chart as a PNG: the picture its notification carried",
      description:
        'With `sig` (the signed link in webhooks and PagerDuty events, VIGIL_LINK_SECRET), no token is needed; without it, the read scope.',
      security: bearer,
      middleware: [readOrSigned],
      request: {
        params: z.object({ episode: EpisodeId }),
        query: z.object({
          sig: z.string().max(64).optional().openapi({ description: 'the link signature' }),
        }),
      },
      responses: {
        200: {
          description: 'The chart',
          content: { 'image/png': { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...errorResponses(404, 503),
      },
    }),
    async (c) => {
      const { episode } = c.req.valid('param')
      const found = await loadEpisode(deps, episode)
      const png = found && (await chartPng(found))
      if (!png)
        return fail(
          c,
          404,
          found
            ? `episode ${episode} has no chart: its rule is no longer configured`
            : `no alert episode ${episode}`,
        )
      return c.body(new Uint8Array(png), 200, {
        'content-type': 'image/png',
        'cache-control': 'private, max-age=60',
      })
    },
  )
}
