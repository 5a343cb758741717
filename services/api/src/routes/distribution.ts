import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import {
  type ClickHouse,
  featureWindowQuery,
  queryWindows,
  referenceProfileQuery,
  runQuery,
} from '@vigil/clickhouse'
import type { FeatureProfile } from '@vigil/stats'
import { windowDistribution } from '../distribution.js'
import { bearer, errorResponses, fail, ModelId, type ScopeGuard, Time } from '../http.js'

export interface DistributionRoutesDeps {
  ch: ClickHouse
  /** The drift service's `drift.sample_size`: the sample it tested is the one drawn. */
  sampleSize: number
}

const Distribution = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('numerical'),
      edges: z.array(z.number()).describe("the reference's deciles: bin i holds edges[i-1] < x ≤ edges[i]"),
      reference: z.array(z.number()),
      current: z.array(z.number()),
    }),
    z.object({
      kind: z.literal('categorical'),
      categories: z
        .array(z.string())
        .describe('the most frequent of both sides, the rest as one `(other: n)`'),
      reference: z.array(z.number()),
      current: z.array(z.number()),
    }),
  ])
  .openapi('Distribution')

const FeatureDistribution = z
  .object({
    model_id: z.string(),
    model_version: z.string(),
    window_start: z.string(),
    feature: z.string(),
    reference: z.string().describe('what the window was compared with, as in drift_windows'),
    n_reference: z.number().int(),
    n_current: z.number().int().describe('values counted on the current side'),
    current_from: z
      .enum(['bins', 'categories', 'sample'])
      .describe("every value of the window (bins, categories) or the window's deterministic sample"),
    distribution: Distribution,
  })
  .openapi('FeatureDistribution')

/** A feature's reference and current distribution in one closed window. */
export function distributionRoutes(
  app: OpenAPIHono,
  requireScope: ScopeGuard,
  deps: DistributionRoutesDeps,
): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{model}/distribution',
      tags: ['read'],
      summary: "A feature's reference and current distribution in one window",
      description:
        'Counts over the bins the drift service compared: between the reference deciles for a numerical feature, per category for a categorical one. From the window state vigil stores (drift_partials) and the reference profile (baselines).',
      security: bearer,
      middleware: [requireScope('read')],
      request: {
        params: z.object({ model: ModelId }),
        query: z.object({
          feature: z.string().min(1).max(256),
          window: Time.openapi({
            description: 'the window start (RFC 3339)',
            type: 'string',
            format: 'date-time',
          }),
          version: z
            .string()
            .min(1)
            .max(128)
            .optional()
            .openapi({ description: 'model version (default: any)' }),
        }),
      },
      responses: {
        200: {
          description: 'The distribution',
          content: { 'application/json': { schema: FeatureDistribution } },
        },
        ...errorResponses(404, 503),
      },
    }),
    async (c) => {
      const { model } = c.req.valid('param')
      const { feature, window, version } = c.req.valid('query')
      const at = new Date(window).toISOString()
      const drift = await queryWindows(deps.ch, 'drift', {
        model,
        version,
        from: window,
        to: window + 1,
        subjects: { feature },
        limit: 1,
      })
      const row = drift.data[0]
      if (!row)
        return fail(
          c,
          404,
          `no drift of ${model} feature "${feature}" in the window starting ${at}: not closed yet, not a feature, or the window is the reference itself`,
        )
      const [profile] = await runQuery(deps.ch, referenceProfileQuery, {
        model,
        windowVersion: row.model_version,
        reference: row.reference,
        feature,
      })
      const [state] = await runQuery(deps.ch, featureWindowQuery, {
        model,
        version: row.model_version,
        start: window,
        feature,
        sampleSize: deps.sampleSize,
      })
      if (!profile)
        return fail(c, 404, `the reference ${row.reference} of ${model} has no profile of "${feature}"`)
      if (!state) return fail(c, 404, `no stored window state of ${model} "${feature}" at ${at}`)
      const d = windowDistribution(JSON.parse(profile.profile) as FeatureProfile, row.reference, state)
      return c.json(
        {
          model_id: model,
          model_version: row.model_version,
          window_start: row.window_start,
          feature,
          reference: row.reference,
          ...d,
        },
        200,
      )
    },
  )
}
