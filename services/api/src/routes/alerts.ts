import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import {
  AlertHistoryRow,
  AlertRow,
  type ClickHouse,
  expired,
  listSilences,
  loadSilence,
  NotificationRow,
  planSilence,
  queryAlertHistory,
  queryAlerts,
  queryNotifications,
  saveSilence,
  silenceJson,
} from '@vigil/clickhouse'
import { formatCondition, type VigilConfig } from '@vigil/config'
import { bearer, errorResponses, fail, Limit, ModelId, type ScopeGuard, Time } from '../http.js'

export interface AlertRoutesDeps {
  ch: ClickHouse
  config: Pick<VigilConfig, 'rules'>
  now: () => number
}

// The row schemas are the ones the queries check (shared/clickhouse), built before this module
// extended zod with `.openapi()`: they are described inline, their pages by name.
const page = <S extends z.ZodType>(row: S, name: string) =>
  z.object({ data: z.array(row), truncated: z.boolean() }).openapi(name)
const Alerts = z.object({ data: z.array(AlertRow) }).openapi('Alerts')
const AlertHistory = page(AlertHistoryRow, 'AlertHistory')
const Notifications = page(NotificationRow, 'Notifications')

const RuleJson = z
  .object({
    name: z.string(),
    model: z.string(),
    metric: z.string().openapi({ example: 'drift.psi' }),
    feature: z.string().nullable(),
    attribute: z.string().nullable(),
    group: z.string().nullable(),
    when: z.string().openapi({ example: '> 0.2' }),
    for: z.number().int(),
    min_samples: z.number().int(),
    min_label_coverage: z.number(),
    severity: z.enum(['info', 'warning', 'critical']),
    notify: z.array(z.string()),
    retrain: z.string().nullable(),
    runbook: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
  })
  .openapi('Rule')

const Silence = z
  .object({
    id: z.string(),
    rule: z.string(),
    model_id: z.string(),
    subject: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    comment: z.string(),
    author: z.string(),
    created_at: z.string(),
    active: z.boolean(),
  })
  .openapi('Silence')

const NewSilence = z
  .object({
    rule: z.string().min(1).max(256).default('*').openapi({ description: 'rule name, * for every rule' }),
    model: z
      .union([ModelId, z.literal('*')])
      .default('*')
      .openapi({ description: 'model id, * for every model' }),
    subject: z
      .string()
      .min(1)
      .max(256)
      .default('*')
      .openapi({ description: 'feature or attribute=group, * for all' }),
    duration: z
      .string()
      .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30m, 2h or 1d')
      .optional()
      .openapi({ example: '2h', description: 'how long from starts_at (or now); give this or ends_at' }),
    starts_at: z.iso.datetime({ offset: true }).optional().openapi({ description: 'default: now' }),
    ends_at: z.iso.datetime({ offset: true }).optional(),
    comment: z.string().max(1000).default(''),
    author: z.string().max(256).default(''),
  })
  .openapi('NewSilence')

const read = (requireScope: ScopeGuard) => [requireScope('read')]
const admin = (requireScope: ScopeGuard) => [requireScope('admin')]

/** Alerts now and their history, notifications, rules, and silences. */
export function alertRoutes(app: OpenAPIHono, requireScope: ScopeGuard, deps: AlertRoutesDeps): void {
  const { ch } = deps
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts',
      tags: ['alerts'],
      summary: 'Alerts as they are now',
      description:
        'One row per rule × model × version × subject. `status=active` (the default) lists pending and firing alerts.',
      security: bearer,
      middleware: read(requireScope),
      request: {
        query: z.object({
          status: z.enum(['active', 'firing', 'pending', 'all']).default('active'),
          model: ModelId.optional(),
          rule: z.string().min(1).max(256).optional(),
          severity: z.enum(['info', 'warning', 'critical']).optional(),
        }),
      },
      responses: {
        200: { description: 'Alerts', content: { 'application/json': { schema: Alerts } } },
        ...errorResponses(503),
      },
    }),
    async (c) => c.json({ data: await queryAlerts(ch, c.req.valid('query')) }, 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts/history',
      tags: ['alerts'],
      summary: 'Alert state changes',
      description:
        'Every change (pending, firing, repeat, resolved, cleared) with the window that caused it, newest first.',
      security: bearer,
      middleware: read(requireScope),
      request: {
        query: z.object({
          model: ModelId.optional(),
          rule: z.string().min(1).max(256).optional(),
          episode: z
            .string()
            .min(1)
            .max(128)
            .optional()
            .openapi({ description: 'one firing episode: what a notification links to' }),
          from: Time.optional().openapi({ type: 'string', format: 'date-time' }),
          to: Time.optional().openapi({ type: 'string', format: 'date-time' }),
          limit: Limit(10_000, 1000),
        }),
      },
      responses: {
        200: { description: 'State changes', content: { 'application/json': { schema: AlertHistory } } },
        ...errorResponses(503),
      },
    }),
    async (c) => c.json(await queryAlertHistory(ch, c.req.valid('query')), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/notifications',
      tags: ['alerts'],
      summary: 'Notifications and what became of them',
      description:
        'Slack messages, emails, webhooks and retraining webhooks: pending, delivered or failed, newest first.',
      security: bearer,
      middleware: read(requireScope),
      request: {
        query: z.object({
          status: z.enum(['pending', 'delivered', 'failed']).optional(),
          channel: z.enum(['slack', 'email', 'webhook', 'alertmanager']).optional(),
          model: ModelId.optional(),
          limit: Limit(10_000, 200),
        }),
      },
      responses: {
        200: { description: 'Notifications', content: { 'application/json': { schema: Notifications } } },
        ...errorResponses(503),
      },
    }),
    async (c) => c.json(await queryNotifications(ch, c.req.valid('query')), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rules',
      tags: ['alerts'],
      summary: 'The alert rules of vigil.yaml',
      security: bearer,
      middleware: read(requireScope),
      responses: {
        200: {
          description: 'Rules in file order',
          content: { 'application/json': { schema: z.object({ data: z.array(RuleJson) }) } },
        },
        ...errorResponses(),
      },
    }),
    (c) =>
      c.json(
        {
          data: deps.config.rules.map((r) => ({
            name: r.name,
            model: r.model,
            metric: `${r.family}.${r.metric}`,
            feature: r.feature ?? null,
            attribute: r.attribute ?? null,
            group: r.group ?? null,
            when: formatCondition(r.condition),
            for: r.for,
            min_samples: r.min_samples,
            min_label_coverage: r.min_label_coverage,
            severity: r.severity,
            notify: r.notify,
            retrain: r.retrain ?? null,
            runbook: r.runbook ?? null,
            labels: r.labels,
          })),
        },
        200,
      ),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/silences',
      tags: ['silences'],
      summary: 'Silences',
      description: 'Silences that have not ended (some may start later); `all=true` also lists ended ones.',
      security: bearer,
      middleware: read(requireScope),
      request: { query: z.object({ all: z.enum(['true', 'false']).default('false') }) },
      responses: {
        200: {
          description: 'Silences, newest first',
          content: { 'application/json': { schema: z.object({ data: z.array(Silence) }) } },
        },
        ...errorResponses(503),
      },
    }),
    async (c) => {
      const now = deps.now()
      const all = c.req.valid('query').all === 'true'
      const list = await listSilences(ch, all ? {} : { activeAt: now })
      return c.json({ data: list.map((s) => silenceJson(s, now)) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/silences',
      tags: ['silences'],
      summary: 'Silence alerts by rule, model and subject until a time',
      description:
        'Silenced alerts keep their state but send no notification. Sending the same silence twice stores one. Needs the admin scope.',
      security: bearer,
      middleware: admin(requireScope),
      request: { body: { required: true, content: { 'application/json': { schema: NewSilence } } } },
      responses: {
        201: { description: 'The stored silence', content: { 'application/json': { schema: Silence } } },
        ...errorResponses(415, 503),
      },
    }),
    async (c) => {
      const plan = planSilence(c.req.valid('json'), deps.now())
      if (!plan.ok) return fail(c, 400, plan.error)
      const id = await saveSilence(ch, plan.silence)
      const stored = await loadSilence(ch, id)
      return c.json(silenceJson(stored!, deps.now()), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/silences/{id}',
      tags: ['silences'],
      summary: 'Expire a silence now',
      security: bearer,
      middleware: admin(requireScope),
      request: {
        params: z.object({ id: z.string().regex(/^[0-9a-f]{12}$/, 'a silence id: 12 hex digits') }),
      },
      responses: {
        200: { description: 'The expired silence', content: { 'application/json': { schema: Silence } } },
        ...errorResponses(404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const s = await loadSilence(ch, id)
      if (!s) return fail(c, 404, `no silence ${id}`)
      const now = deps.now()
      if (s.endsAt > now) await saveSilence(ch, expired(s, now))
      return c.json(silenceJson((await loadSilence(ch, id))!, now), 200)
    },
  )
}
