import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { createEventParser, type EventParser } from '@vigil/events'
import type { OutMessage } from '@vigil/kafka'
import { bodyLimit } from 'hono/body-limit'
import { bearer, errorResponses, fail, type ScopeGuard } from '../http.js'
import type { ApiMetrics } from '../metrics.js'
import { parseEvents } from './parse-events.js'

export interface IngestDeps {
  maxBodyBytes: number
  topics: { predictions: string; labels: string; cloudevents?: string }
  /** Resolves once the broker acknowledged every message; throws when Kafka is unavailable. */
  send(topic: string, messages: readonly OutMessage[]): Promise<void>
}

const Accepted = z
  .object({
    accepted: z.number().int().openapi({ description: 'events the broker acknowledged' }),
    rejected: z
      .array(z.object({ index: z.number().int(), reason: z.string() }))
      .openapi({ description: 'invalid records: position in the request (0-based) and why' }),
  })
  .openapi('IngestResult')

/** What every ingest route checks first: the ingest scope, then the body's size (413 past it). */
export function ingestGuards(requireScope: ScopeGuard, maxBodyBytes: number) {
  return [
    requireScope('ingest'),
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => fail(c, 413, `request body over ${maxBodyBytes} bytes: send smaller batches`),
    }),
  ]
}

/**
 * `POST /v1/predictions` and `/v1/labels`: for services that cannot produce to Kafka. Valid events
 * are acknowledged only after the broker acknowledged them; invalid ones are named, not dropped.
 */
export function ingestRoutes(
  app: OpenAPIHono,
  requireScope: ScopeGuard,
  deps: IngestDeps & { metrics: ApiMetrics },
): void {
  const ingest = <T extends { model_id: string }>(
    kind: 'predictions' | 'labels',
    component: string,
    parser: EventParser<T>,
  ) => {
    const one = kind.slice(0, -1)
    const route = createRoute({
      method: 'post',
      path: `/v1/${kind}`,
      tags: ['ingest'],
      summary: `Publish ${kind} (JSON array or NDJSON)`,
      description:
        `Each record is checked against the ${one} event contract on its own; valid ones are produced to ` +
        `Kafka (key: model_id) and counted in \`accepted\` once the broker acknowledged them, invalid ones ` +
        'are listed in `rejected` with their position and reason. Needs the ingest scope.',
      security: bearer,
      middleware: ingestGuards(requireScope, deps.maxBodyBytes),
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'array', items: { $ref: `#/components/schemas/${component}` } },
            },
            'application/x-ndjson': {
              schema: { type: 'string', description: `one ${one} event (JSON) per line` },
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Accepted and rejected records',
          content: { 'application/json': { schema: Accepted } },
        },
        ...errorResponses(413, 503),
      },
    })
    app.openapi(route, async (c) => {
      const parsed = parseEvents(await c.req.text(), parser)
      if (!parsed.ok) return fail(c, 400, parsed.error)
      if (parsed.valid.length === 0 && parsed.rejected.length > 0) {
        deps.metrics.ingested(kind, 0, parsed.rejected.length)
        return fail(c, 400, `no valid ${one} event in the request`, { rejected: parsed.rejected })
      }
      try {
        await deps.send(
          deps.topics[kind],
          parsed.valid.map(({ event }) => ({ key: event.model_id, value: JSON.stringify(event) })),
        )
      } catch (err) {
        // Nothing is acknowledged unless the broker acknowledged it: the client retries the request.
        return fail(c, 503, `Kafka is unavailable, nothing was accepted: ${(err as Error).message}`)
      }
      deps.metrics.ingested(kind, parsed.valid.length, parsed.rejected.length)
      return c.json({ accepted: parsed.valid.length, rejected: parsed.rejected }, 200)
    })
  }
  ingest('predictions', 'PredictionEvent', createEventParser('prediction'))
  ingest('labels', 'LabelEvent', createEventParser('label'))
}
