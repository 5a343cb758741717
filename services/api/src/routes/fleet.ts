import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import {
  type ClickHouse,
  FleetWindowRow,
  latestWindowStart,
  queryFiringByModel,
  queryFleetWindows,
  queryModels,
} from '@vigil/clickhouse'
import { modelConfig, type VigilConfig } from '@vigil/config'
import { bearer, errorResponses, ModelId, type ScopeGuard } from '../http.js'

export interface FleetRoutesDeps {
  ch: ClickHouse
  config: Pick<VigilConfig, 'models'>
}

const FleetWindow = FleetWindowRow.omit({ model_id: true }).openapi('FleetWindow')

const FleetModel = z
  .object({
    model_id: z.string(),
    window_ms: z.number().int(),
    last_event: z.string().nullable().describe('ISO 8601, UTC'),
    firing_alerts: z.number().int().nonnegative(),
    windows: z.array(FleetWindow).describe('the latest windows, oldest first'),
  })
  .openapi('FleetModel')

/**
 * The fleet at a glance, what an overview draws: each model's traffic, drift share, headline
 * accuracy and label coverage over its latest windows, and its firing alerts.
 */
export function fleetRoutes(app: OpenAPIHono, requireScope: ScopeGuard, deps: FleetRoutesDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fleet',
      tags: ['read'],
      summary: "Every model's latest windows: traffic, drift share, accuracy, label coverage, firing alerts",
      description:
        "One entry per model with recorded traffic or configured. The windows are each model's latest within `windows` × the longest configured window before the latest window any model closed (event time, not wall time: a replay of old traffic shows too). Model versions of one window are pooled: accuracy weighted by labelled outcomes, rmse as the root of the pooled mean square, coverage as labelled over predicted, drift share weighted by predictions.",
      security: bearer,
      middleware: [requireScope('read')],
      request: {
        query: z.object({
          model: ModelId.optional(),
          windows: z.coerce
            .number()
            .int()
            .min(1)
            .max(500)
            .default(24)
            .openapi({ description: 'windows per model (default 24, at most 500)' }),
        }),
      },
      responses: {
        200: {
          description: 'One entry per model',
          content: { 'application/json': { schema: z.object({ data: z.array(FleetModel) }) } },
        },
        ...errorResponses(503),
      },
    }),
    async (c) => {
      const { model, windows } = c.req.valid('query')
      const [seen, latest, firing] = await Promise.all([
        queryModels(deps.ch, model),
        latestWindowStart(deps.ch, model),
        queryFiringByModel(deps.ch),
      ])
      const ids = new Set(seen.map((m) => m.model_id))
      for (const id of Object.keys(deps.config.models))
        if (id !== '*' && (model === undefined || id === model)) ids.add(id)
      const longest = Math.max(...[...ids].map((id) => modelConfig(deps.config, id).window), 1)
      const rows =
        latest === null
          ? []
          : await queryFleetWindows(deps.ch, {
              model,
              from: latest - (windows - 1) * longest,
              to: latest + 1,
              windows,
            })
      const byModel = new Map<string, z.output<typeof FleetWindow>[]>()
      for (const { model_id, ...w } of rows) byModel.set(model_id, [w, ...(byModel.get(model_id) ?? [])])
      const lastEvent = new Map(seen.map((m) => [m.model_id, m.last_event]))
      const data = [...ids].sort().map((id) => ({
        model_id: id,
        window_ms: modelConfig(deps.config, id).window,
        last_event: lastEvent.get(id) ?? null,
        firing_alerts: firing.get(id) ?? 0,
        windows: byModel.get(id) ?? [],
      }))
      return c.json({ data }, 200)
    },
  )
}
