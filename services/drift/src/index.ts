export { createDrift, type DriftDeps } from './service.js'
