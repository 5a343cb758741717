import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import {
  type ClickHouse,
  ModelSeenRow,
  queryModels,
  queryWindows,
  WINDOW_FAMILIES,
  WINDOW_ROWS,
  type WindowFamilyName,
} from '@vigil/clickhouse'
import { modelConfig, type VigilConfig } from '@vigil/config'
import { bearer, errorResponses, Limit, ModelId, type ScopeGuard, Time } from '../http.js'

export interface WindowRoutesDeps {
  ch: ClickHouse
  config: Pick<VigilConfig, 'models'>
}

/** A page of one family's window rows; the row schemas are the ones the queries check. */
const rowsOf = (family: WindowFamilyName) =>
  z
    .object({
      data: z.array(WINDOW_ROWS[family]),
      truncated: z.boolean().openapi({ description: 'more rows matched than `limit`' }),
    })
    .openapi(`${family[0]!.toUpperCase()}${family.slice(1)}Windows`)

const ModelSettings = z
  .object({
    window_ms: z.number().int(),
    allowed_lateness_ms: z.number().int(),
    reference: z.enum(['baseline', 'first', 'previous', 'range']),
    task: z.enum(['binary', 'multiclass', 'regression']).nullable(),
    positive_class: z.string().nullable(),
    sensitive_attributes: z.record(z.string(), z.object({ reference_group: z.string() })),
  })
  .openapi({ description: 'the model\'s effective settings (vigil.yaml merged with "*" and the defaults)' })

const Model = ModelSeenRow.extend({ settings: ModelSettings }).openapi('Model')

/** What a family's rows are about, for the route's description. */
const FAMILY_TEXT: Record<WindowFamilyName, string> = {
  drift: 'drift per feature (PSI, KS, Wasserstein, Jensen-Shannon, …; `drifted` per feature)',
  quality: 'data quality per feature (missing rate, new categories, out of range, counts)',
  performance: 'accuracy per window of prediction time from joined labels (per class where it applies)',
  fairness:
    'selection and label-based rates per sensitive attribute and group, with ratios to the reference group',
}

const settingsOf = (config: Pick<VigilConfig, 'models'>, id: string): z.output<typeof ModelSettings> => {
  const m = modelConfig(config, id)
  return {
    window_ms: m.window,
    allowed_lateness_ms: m.allowed_lateness,
    reference: m.reference.kind,
    task: m.task ?? null,
    positive_class: m.positive_class ?? null,
    sensitive_attributes: Object.fromEntries(
      Object.entries(m.sensitive_attributes).map(([a, s]) => [a, { reference_group: s.reference_group }]),
    ),
  }
}

/** Models, and every window table with filters; only the latest version of each window. */
export function windowRoutes(app: OpenAPIHono, requireScope: ScopeGuard, deps: WindowRoutesDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models',
      tags: ['read'],
      summary: 'Models with recorded traffic, and configured ones',
      security: bearer,
      middleware: [requireScope('read')],
      request: { query: z.object({ model: ModelId.optional() }) },
      responses: {
        200: {
          description: 'One entry per model',
          content: { 'application/json': { schema: z.object({ data: z.array(Model) }) } },
        },
        ...errorResponses(503),
      },
    }),
    async (c) => {
      const { model } = c.req.valid('query')
      const seen = await queryModels(deps.ch, model)
      const ids = new Set(seen.map((m) => m.model_id))
      // Configured but without traffic yet: still listed, so a typo in vigil.yaml shows.
      const configured = Object.keys(deps.config.models)
        .filter((id) => id !== '*' && !ids.has(id) && (model === undefined || id === model))
        .map((id) => ({
          model_id: id,
          versions: [],
          predictions: 0,
          labels: 0,
          first_event: null,
          last_event: null,
        }))
      const data = [...seen, ...configured]
        .sort((a, b) => a.model_id.localeCompare(b.model_id))
        .map((m) => ({ ...m, settings: settingsOf(deps.config, m.model_id) }))
      return c.json({ data }, 200)
    },
  )

  for (const family of Object.keys(WINDOW_FAMILIES) as WindowFamilyName[]) {
    const subjects = WINDOW_FAMILIES[family].subjects
    const query = z.object({
      model: ModelId.optional(),
      version: z.string().min(1).max(128).optional().openapi({ description: 'model version' }),
      metric: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .openapi({ example: family === 'drift' ? 'psi' : 'accuracy' }),
      ...Object.fromEntries(subjects.map((s) => [s, z.string().max(256).optional()])),
      from: Time.optional().openapi({
        description: 'windows starting at or after (RFC 3339)',
        type: 'string',
        format: 'date-time',
      }),
      to: Time.optional().openapi({
        description: 'windows starting before (RFC 3339)',
        type: 'string',
        format: 'date-time',
      }),
      limit: Limit(10_000, 1000),
    })
    app.openapi(
      createRoute({
        method: 'get',
        path: `/v1/windows/${family}`,
        tags: ['read'],
        summary: `${family[0]!.toUpperCase()}${family.slice(1)} windows`,
        description: `Rows of \`${WINDOW_FAMILIES[family].table}\`: ${FAMILY_TEXT[family]}. One row per window × ${[...subjects, 'metric'].join(' × ')}, the latest version of each window only, ordered by model and window start.`,
        security: bearer,
        middleware: [requireScope('read')],
        request: { query },
        responses: {
          200: { description: 'Window rows', content: { 'application/json': { schema: rowsOf(family) } } },
          ...errorResponses(503),
        },
      }),
      async (c) => {
        const q = c.req.valid('query') as Record<string, unknown> & z.output<typeof query>
        const page = await queryWindows(deps.ch, family, {
          model: q.model,
          version: q.version,
          metric: q.metric,
          from: q.from,
          to: q.to,
          limit: q.limit,
          subjects: Object.fromEntries(subjects.map((s) => [s, q[s] as string | undefined])),
        })
        return c.json(page, 200)
      },
    )
  }
}
