export { createDrift, type DriftDeps } from './service.js'
export type { Reference } from './steps/reference.js'
export { saveReference } from './store.js'
