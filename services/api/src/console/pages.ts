import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

// The console's two server-rendered pages: the shell every console URL answers (the script draws
// the page from the API's JSON) and the login form. Neither holds data; the API's routes do.

export interface ShellAssets {
  /** `/ui/assets/<file>?v=<hash>` by file. */
  url: (file: string) => string
}

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

/** The head both pages share; no favicon request (`data:`). */
const head = (title: string, cssUrl: string) => html`<meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />
    <title>${title}</title>
    <link rel="stylesheet" href="${cssUrl}" />`

export function shellPage(a: ShellAssets): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    ${head('vigil', a.url('console.css'))}
    <script src="${a.url('vega.js')}" defer></script>
    <script src="${a.url('vega-lite.js')}" defer></script>
    <script type="module" src="${a.url('console.js')}"></script>
  </head>
  <body>
    <header class="bar">
      <a class="brand" href="/ui">vigil</a>
      <nav><a href="/ui">Fleet</a></nav>
      <form method="post" action="/ui/logout"><button type="submit" class="link">Sign out</button></form>
    </header>
    <main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
  </body>
</html>`
}

export function loginPage(p: { next: string; error?: string; cssUrl: string }): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    ${head('Sign in · vigil', p.cssUrl)}
  </head>
  <body>
    <main class="login">
      <h1>vigil</h1>
      <form method="post" action="/ui/login">
        <label for="token">API token with the read scope</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
        <input type="hidden" name="next" value="${p.next}" />
        ${p.error ? html`<p class="error" role="alert">${p.error}</p>` : raw('')}
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">A token from <code>api.tokens</code> in vigil.yaml. A link may carry it instead: <code>/ui#token=…</code>.</p>
    </main>
  </body>
</html>`
}
