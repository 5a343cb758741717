import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { fromHttp, type PairingOf, SERVING_TYPES, toKafka } from '@vigil/ingest'
import { bearer, errorResponses, fail, type ScopeGuard } from '../http.js'
import type { ApiMetrics } from '../metrics.js'
import { type IngestDeps, ingestGuards } from './ingest.js'

const Accepted = z
  .object({
    accepted: z.number().int().openapi({ description: 'CloudEvents the broker acknowledged' }),
  })
  .openapi('CloudEventsResult')

/** A structured-mode serving CloudEvent as OpenAPI describes it (the route checks it itself). */
const structuredEvent = {
  type: 'object' as const,
  description: 'a CloudEvent 1.0 in structured mode; further extensions are kept',
  required: ['specversion', 'id', 'source', 'type'],
  properties: {
    specversion: { type: 'string' as const, enum: ['1.0'] },
    id: {
      type: 'string' as const,
      minLength: 1,
      description: 'pairs a request with its response (KServe: ce-id)',
    },
    source: { type: 'string' as const, minLength: 1 },
    type: { type: 'string' as const, enum: Object.keys(SERVING_TYPES) },
    time: {
      type: 'string' as const,
      format: 'date-time',
      description: "the request's time is the prediction's",
    },
    datacontenttype: { type: 'string' as const },
    data: { description: 'the request or response body as the serving stack logged it' },
    inferenceservicename: { type: 'string' as const, description: "KServe's extension: the model id" },
    modelid: { type: 'string' as const, description: "Seldon's extension: the model id" },
    requestid: { type: 'string' as const, description: "Seldon's extension: pairs the halves instead of id" },
    statuscode: {
      type: 'string' as const,
      description: 'a response logged with another status than 200 is a failed inference',
    },
  },
  additionalProperties: true,
}

/** Binary mode's attributes, as `ce-*` headers. */
const binaryHeaders = z.object({
  'ce-specversion': z.string().optional().openapi({ description: 'binary mode: 1.0' }),
  'ce-id': z.string().optional().openapi({ description: 'binary mode: pairs a request with its response' }),
  'ce-source': z.string().optional(),
  'ce-type': z
    .string()
    .optional()
    .openapi({ description: `binary mode: one of ${Object.keys(SERVING_TYPES).join(', ')}` }),
  'ce-inferenceservicename': z
    .string()
    .optional()
    .openapi({ description: 'binary mode, KServe: the model id' }),
})

/**
 * `POST /v1/cloudevents`: serving stacks' request and response logs (KServe's InferenceLogger,
 * Seldon Core / MLServer) as CloudEvents 1.0 — binary mode (`ce-*` headers), structured
 * (`application/cloudevents+json`) or batched (`application/cloudevents-batch+json`). Each is
 * produced to `vigil.cloudevents`, where the ingest service pairs it with its other half; the
 * answer comes once the broker acknowledged them all, so nothing acknowledged is lost.
 */
export function cloudEventsRoutes(
  app: OpenAPIHono,
  requireScope: ScopeGuard,
  deps: IngestDeps & { metrics: ApiMetrics; topic: string; pairing: PairingOf },
): void {
  const route = createRoute({
    method: 'post',
    path: '/v1/cloudevents',
    tags: ['ingest'],
    summary: 'Publish serving request and response CloudEvents (KServe, Seldon)',
    description:
      `Types taken: ${Object.keys(SERVING_TYPES).join(', ')}. The model is the \`inferenceservicename\` ` +
      "extension (or Seldon's `modelid`) and needs an ingest mapping in vigil.yaml (docs/integrations.md). " +
      'A request and its response share an id (`ce-id`, or the `requestid` extension). Needs the ingest scope.',
    security: bearer,
    middleware: ingestGuards(requireScope, deps.maxBodyBytes),
    request: {
      headers: binaryHeaders,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: {
              description: 'binary mode: the request or response body as logged, attributes in ce-* headers',
            },
          },
          'application/cloudevents+json': { schema: structuredEvent },
          'application/cloudevents-batch+json': {
            schema: { type: 'array', minItems: 1, items: structuredEvent },
          },
        },
      },
    },
    responses: {
      202: {
        description: 'Every event was acknowledged by the broker',
        content: { 'application/json': { schema: Accepted } },
      },
      ...errorResponses(400, 413, 503),
    },
  })
  app.openapi(route, async (c) => {
    const headers: Record<string, string> = {}
    c.req.raw.headers.forEach((v, k) => {
      headers[k] = v
    })
    const parsed = fromHttp(headers, Buffer.from(await c.req.arrayBuffer()), deps.pairing)
    if (!parsed.ok) {
      deps.metrics.ingested('cloudevents', 0, 1)
      return fail(c, 400, parsed.reason)
    }
    try {
      await deps.send(deps.topic, parsed.value.map(toKafka))
    } catch (err) {
      return fail(c, 503, `Kafka is unavailable, nothing was accepted: ${(err as Error).message}`)
    }
    deps.metrics.ingested('cloudevents', parsed.value.length, 0)
    return c.json({ accepted: parsed.value.length }, 202)
  })
}
