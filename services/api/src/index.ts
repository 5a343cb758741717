export { createApiApp } from './app.js'
export { type ApiDeps, createApi } from './service.js'
