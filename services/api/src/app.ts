import type { ApiScope } from '@vigil/config'
import { createEventParser, type EventParser } from '@vigil/events'
import type { OutMessage } from '@vigil/kafka'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { type ApiToken, createAuthorizer } from './auth.js'
import { parseEvents } from './ingest.js'

export interface ApiOptions {
  tokens: readonly ApiToken[]
  maxBodyBytes: number
  topics: { predictions: string; labels: string }
  /** Resolves once the broker acknowledged every message; throws when Kafka is unavailable. */
  send(topic: string, messages: readonly OutMessage[]): Promise<void>
}

/** Every error is JSON with a sentence that says what is wrong. */
const fail = (c: Context, status: 400 | 401 | 403 | 404 | 413 | 503, error: string, extra: object = {}) =>
  c.json({ error, ...extra }, status)

/** The HTTP API: ingest for services that cannot produce to Kafka (more routes follow). */
export function createApiApp(options: ApiOptions) {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))

  const authorize = createAuthorizer(options.tokens)
  const requireScope = (scope: ApiScope) => async (c: Context, next: () => Promise<void>) => {
    const auth = authorize(c.req.header('authorization'), scope)
    if (!auth.ok) return fail(c, auth.status, auth.error)
    await next()
  }

  const ingest = <T extends { model_id: string }>(kind: 'predictions' | 'labels', parser: EventParser<T>) =>
    app.post(
      `/v1/${kind}`,
      requireScope('ingest'),
      bodyLimit({
        maxSize: options.maxBodyBytes,
        onError: (c) => fail(c, 413, `request body over ${options.maxBodyBytes} bytes: send smaller batches`),
      }),
      async (c) => {
        const parsed = parseEvents(await c.req.text(), parser)
        if (!parsed.ok) return fail(c, 400, parsed.error)
        if (parsed.valid.length === 0 && parsed.rejected.length > 0)
          return fail(c, 400, `no valid ${kind.slice(0, -1)} event in the request`, {
            rejected: parsed.rejected,
          })
        try {
          await options.send(
            options.topics[kind],
            parsed.valid.map(({ event }) => ({ key: event.model_id, value: JSON.stringify(event) })),
          )
        } catch (err) {
          // Nothing is acknowledged unless the broker acknowledged it: the client retries the request.
          return fail(c, 503, `Kafka is unavailable, nothing was accepted: ${(err as Error).message}`)
        }
        return c.json({ accepted: parsed.valid.length, rejected: parsed.rejected })
      },
    )
  ingest('predictions', createEventParser('prediction'))
  ingest('labels', createEventParser('label'))

  app.notFound((c) => fail(c, 404, `no route ${c.req.method} ${c.req.path}`))
  app.onError((err, c) => fail(c, 400, `bad request: ${err.message}`))
  return app
}
