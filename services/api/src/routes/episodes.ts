import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { thresholdsOf } from '@vigil/charts/specs'
import { AlertHistoryRow, type ClickHouse, queryAlertHistory, queryMetricSeries } from '@vigil/clickhouse'
import { formatCondition, type VigilConfig } from '@vigil/config'
import { bearer, errorResponses, fail, type ScopeGuard } from '../http.js'

export interface EpisodeRoutesDeps {
  ch: ClickHouse
  config: Pick<VigilConfig, 'rules'>
}

/** Windows a chart draws up to the episode's last, as in the notification's picture. */
const WINDOWS = 25
/** Subjects drawn at most. */
const SUBJECTS = 5

const iso = z.string().describe('ISO 8601, UTC')

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
      request: { params: z.object({ episode: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'an episode id') }) },
      responses: {
        200: { description: 'The episode', content: { 'application/json': { schema: Episode } } },
        ...errorResponses(404, 503),
      },
    }),
    async (c) => {
      const { episode } = c.req.valid('param')
      const history = await queryAlertHistory(deps.ch, { episode, limit: 1000 })
      const transitions = [...history.data].reverse()
      const first = transitions.find((t) => t.transition === 'firing') ?? transitions[0]
      const last = transitions.at(-1)
      if (!first || !last) return fail(c, 404, `no alert episode ${episode}`)
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
      return c.json(
        {
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
        },
        200,
      )
    },
  )
}
