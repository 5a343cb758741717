import { createHash } from 'node:crypto'
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { addJsonRow, InputFileError, profileTable, saveReference, type Table } from '@vigil/baselines'
import type { ClickHouse } from '@vigil/clickhouse'
import { bodyLimit } from 'hono/body-limit'
import { bearer, errorResponses, fail, ModelId, type ScopeGuard } from '../http.js'

export interface BaselineRoutesDeps {
  ch: ClickHouse
  maxBodyBytes: number
}

/** The rows of a body: a JSON array, or NDJSON; their numbers are lines (NDJSON) or 1-based positions. */
function readRows(body: string, table: Table): string | undefined {
  const text = body.trim()
  if (text === '') return 'empty body: send a JSON array of rows or NDJSON'
  try {
    if (text.startsWith('[')) {
      let rows: unknown[]
      try {
        rows = JSON.parse(text) as unknown[]
      } catch (err) {
        return `invalid JSON: ${(err as Error).message}`
      }
      for (const [i, row] of rows.entries()) addJsonRow(table, row, i + 1)
    } else {
      const lines = text.split('\n')
      for (const [i, line] of lines.entries()) {
        if (line.trim() === '') continue
        let row: unknown
        try {
          row = JSON.parse(line)
        } catch (err) {
          return `line ${i + 1}: invalid JSON: ${(err as Error).message}`
        }
        addJsonRow(table, row, i + 1)
      }
    }
  } catch (err) {
    if (err instanceof InputFileError) return err.message
    throw err
  }
  return table.rows === 0 ? 'no rows: a baseline needs feature values' : undefined
}

/** `POST /v1/models/{model}/baselines`: a reference profile from training data, as `vigil baseline create`. */
export function baselineRoutes(app: OpenAPIHono, requireScope: ScopeGuard, deps: BaselineRoutesDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/models/{model}/baselines',
      tags: ['admin'],
      summary: 'Upload a baseline (reference profile) from rows of feature values',
      description:
        'The body is a JSON array or NDJSON of feature objects (or prediction events). Numbers are numerical, ' +
        'strings categorical, unless `type` says otherwise. The drift service uses it for windows that start ' +
        'after it restarts. Needs the admin scope.',
      security: bearer,
      middleware: [
        requireScope('admin'),
        bodyLimit({
          maxSize: deps.maxBodyBytes,
          onError: (c) =>
            fail(c, 413, `request body over ${deps.maxBodyBytes} bytes: send a sample of the rows`),
        }),
      ],
      request: {
        params: z.object({ model: ModelId }),
        query: z.object({
          version: z
            .string()
            .min(1)
            .max(128)
            .default('*')
            .openapi({ description: 'model version it applies to; * for every version without its own' }),
          type: z
            .union([z.string(), z.array(z.string())])
            .optional()
            .openapi({ description: 'force a column type: name=numerical or name=categorical (repeatable)' }),
        }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'object',
                  description: 'feature values by name: numbers, strings, booleans or null',
                  additionalProperties: { type: ['number', 'string', 'boolean', 'null'] },
                },
              },
            },
            'application/x-ndjson': {
              schema: { type: 'string', description: 'one JSON object of feature values per line' },
            },
          },
        },
      },
      responses: {
        201: {
          description: 'Stored',
          content: {
            'application/json': {
              schema: z.object({
                model_id: z.string(),
                version: z.string(),
                rows: z.number().int(),
                features: z.record(z.string(), z.enum(['numerical', 'categorical'])),
              }),
            },
          },
        },
        ...errorResponses(413, 503),
      },
    }),
    async (c) => {
      const { model } = c.req.valid('param')
      const { version, type } = c.req.valid('query')
      const types = new Map<string, 'numerical' | 'categorical'>()
      for (const t of type === undefined ? [] : Array.isArray(type) ? type : [type]) {
        const m = /^([^=]+)=(numerical|categorical)$/.exec(t)
        if (!m) return fail(c, 400, `type ${JSON.stringify(t)}: expected name=numerical or name=categorical`)
        types.set(m[1]!, m[2] as 'numerical' | 'categorical')
      }
      const body = await c.req.text()
      const table: Table = { file: 'body', rows: 0, columns: new Map() }
      const problem = readRows(body, table)
      if (problem) return fail(c, 400, problem)
      let reference: ReturnType<typeof profileTable>
      try {
        reference = profileTable(table, version, types)
      } catch (err) {
        if (err instanceof InputFileError) return fail(c, 400, err.message)
        throw err
      }
      // The content names the upload: the same rows sent twice store one baseline.
      const digest = createHash('sha256').update(body).digest('hex').slice(0, 16)
      await saveReference(deps.ch, model, version, reference, `api:${digest}`)
      return c.json(
        {
          model_id: model,
          version,
          rows: table.rows,
          features: Object.fromEntries(Object.entries(reference.features).map(([k, p]) => [k, p.type])),
        },
        201,
      )
    },
  )
}
