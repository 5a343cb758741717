export { createHealthApp, createHealthServer } from './health.js'
export { type Service, type ServiceHealth, startAll } from './service.js'
export { onShutdownSignal } from './signals.js'
