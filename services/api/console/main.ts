import { renderAlert } from './alert.js'
import { ApiError, adoptFragmentToken } from './api.js'
import { h, replace } from './dom.js'
import { renderModel } from './model.js'
import { renderOverview } from './overview.js'

// The console's pages by address: /ui (the fleet), /ui/models/<id>, /ui/alerts/<episode>. Each is
// a full page load (links and the back button work as on any site); the script draws the page.

async function route(app: HTMLElement): Promise<void> {
  const path = location.pathname.replace(/\/+$/, '')
  const model = /^\/ui\/models\/([^/]+)$/.exec(path)
  const alert = /^\/ui\/alerts\/([^/]+)$/.exec(path)
  if (model?.[1]) return renderModel(app, decodeURIComponent(model[1]))
  if (alert?.[1]) return renderAlert(app, decodeURIComponent(alert[1]))
  return renderOverview(app)
}

adoptFragmentToken()
const app = document.getElementById('app')
if (app) {
  route(app)
    .then(() => app.setAttribute('data-ready', 'true'))
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return
      replace(
        app,
        h('p', { class: 'error', role: 'alert' }, `This page could not be drawn: ${(err as Error).message}`),
      )
      app.setAttribute('data-ready', 'error')
    })
}
