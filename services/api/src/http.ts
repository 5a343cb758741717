import { z } from '@hono/zod-openapi'
import type { ApiScope } from '@vigil/config'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { type ApiToken, createAuthorizer } from './auth.js'

/** Every error the API answers: a sentence that says what is wrong, and details where they help. */
export const ErrorBody = z
  .object({
    error: z.string().openapi({ example: 'missing bearer token: send Authorization: Bearer <token>' }),
  })
  .passthrough()
  .openapi('Error')

/**
 * An error answer. Typed `never` on purpose: every route declares its errors once through
 * {@link errorResponses}, and zod-openapi would otherwise want each error's status and body
 * matched to a declared response route by route.
 */
export const fail = (c: Context, status: ContentfulStatusCode, error: string, extra: object = {}): never =>
  c.json({ error, ...extra }, status) as never

/** The answers every authenticated route may give besides its own, for the OpenAPI description. */
export function errorResponses(...statuses: number[]) {
  const text: Record<number, string> = {
    400: 'The request is invalid; the error says what is wrong',
    401: 'No bearer token, or an unknown one',
    403: 'The token lacks the scope this route needs',
    404: 'No such thing',
    413: 'The body is over the size limit',
    415: 'The body is not of a content type the route takes',
    429: 'Too many requests of this kind at once',
    503: 'A dependency (Kafka, ClickHouse) is unavailable; nothing was done',
  }
  return Object.fromEntries(
    [400, 401, 403, ...statuses].map((s) => [
      s,
      { description: text[s] ?? 'Error', content: { 'application/json': { schema: ErrorBody } } },
    ]),
  )
}

/** The console's login cookie: a token, HttpOnly, set by `POST /ui/login`. */
export const SESSION_COOKIE = 'vigil_session'

/**
 * `Authorization: Bearer` with one scope; 401/403 say what is missing. A read (GET, HEAD) may
 * instead present the console's login cookie: reads change nothing, so a request forged from
 * another site gains nothing (and SameSite=Strict keeps the cookie off such requests anyway).
 */
export function createScopeGuard(tokens: readonly ApiToken[]) {
  const authorize = createAuthorizer(tokens)
  return function requireScope(scope: ApiScope): MiddlewareHandler {
    return async function scopeGuard(c, next) {
      const header = c.req.header('authorization')
      const cookie =
        header === undefined && (c.req.method === 'GET' || c.req.method === 'HEAD')
          ? getCookie(c, SESSION_COOKIE)
          : undefined
      const auth = authorize(cookie === undefined ? header : `Bearer ${cookie}`, scope)
      if (!auth.ok) return fail(c, auth.status, auth.error)
      await next()
    }
  }
}

export type ScopeGuard = ReturnType<typeof createScopeGuard>

const EARLIEST = Date.UTC(1900, 0, 1)
const LATEST = Date.UTC(2300, 0, 1)

/** An RFC 3339 time, within what ClickHouse's DateTime64 holds (1900 to 2299), as epoch ms. */
export const Time = z.iso
  .datetime({ offset: true })
  .transform((t) => Date.parse(t))
  .refine((ms) => ms >= EARLIEST && ms < LATEST, 'a time between 1900 and 2299')

/** Query parameters: how many rows at most. */
export const Limit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .openapi({ description: `rows at most (default ${fallback}, at most ${max})` })

export const ModelId = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a model id: 1-128 of A-Z a-z 0-9 _ . -')
  .openapi({ example: 'fraud-detector' })

export const bearer = [{ bearer: [] }]
