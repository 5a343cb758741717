import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import { type ApiToken, createAuthorizer } from '../auth.js'
import { SESSION_COOKIE } from '../http.js'
import { type Asset, consoleAssets } from './assets.js'
import { loginPage, shellPage } from './pages.js'

/** How long a login lasts. */
const SESSION_SECONDS = 12 * 3600

/**
 * Vega compiles its expressions with `new Function` ('unsafe-eval'); everything else comes from
 * this server. No framing: the console's buttons must not be clickjacked.
 */
const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"

/** Only a console path of this server: a login must not redirect elsewhere. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/ui(\/[A-Za-z0-9_.~%/-]*)?(\?[^#\s]*)?$/.test(next) ? next : '/ui'
}

function send(c: Context, a: Asset): Response {
  const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')
  // A versioned URL never changes its content; an unversioned one is checked each time.
  const cache = c.req.query('v') === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache'
  return c.body(new Uint8Array(gzip ? a.gzip : a.body), 200, {
    'content-type': a.type,
    'cache-control': cache,
    etag: `"${a.hash}"`,
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  })
}

/**
 * The web console under /ui: the shell page at every console URL (fleet, model, alert pages are
 * drawn in the browser from the API's JSON routes), its assets, and a login that sets an HttpOnly
 * cookie holding a read token, which the API's read routes accept like a bearer token.
 */
export function consoleRoutes(app: OpenAPIHono, tokens: readonly ApiToken[]): void {
  const authorize = createAuthorizer(tokens)
  const assetUrl = async () => {
    const { files } = await consoleAssets()
    return (file: string) => `/ui/assets/${file}?v=${files.get(file)?.hash ?? ''}`
  }
  const headers = (c: Context) => {
    c.header('content-security-policy', CSP)
    c.header('x-content-type-options', 'nosniff')
    c.header('referrer-policy', 'no-referrer')
  }

  app.get('/ui/assets/:file', async (c) => {
    const a = (await consoleAssets()).files.get(c.req.param('file'))
    if (!a) return c.json({ error: `no console asset ${c.req.param('file')}` }, 404)
    c.header('x-content-type-options', 'nosniff')
    return send(c, a)
  })

  app.get('/ui/login', async (c) => {
    headers(c)
    const url = await assetUrl()
    return c.html(loginPage({ next: safeNext(c.req.query('next')), cssUrl: url('console.css') }))
  })

  app.post('/ui/login', async (c) => {
    headers(c)
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
    const next = safeNext(form.next)
    const token = typeof form.token === 'string' ? form.token.trim() : ''
    const auth = authorize(`Bearer ${token}`, 'read')
    if (!auth.ok) {
      const url = await assetUrl()
      const error = auth.status === 403 ? auth.error : 'That token is not one of api.tokens in vigil.yaml.'
      return c.html(loginPage({ next, error, cssUrl: url('console.css') }), auth.status)
    }
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: SESSION_SECONDS,
      secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
    })
    return c.redirect(next, 303)
  })

  app.post('/ui/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return c.redirect('/ui/login', 303)
  })

  const shell = async (c: Context) => {
    headers(c)
    return c.html(shellPage({ url: await assetUrl() }))
  }
  app.get('/ui', shell)
  app.get('/ui/models/:model', shell)
  app.get('/ui/alerts/:episode', shell)
}
