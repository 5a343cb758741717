export { explainStartupError } from './errors.js'
export { createHealthApp, createHealthServer, type Readiness, readiness } from './health.js'
export {
  type ProcessDeps,
  type RunningProcess,
  runServiceMain,
  type ServiceDeps,
  type ServiceFactory,
  startProcess,
  startUntilSignal,
} from './process.js'
export { consumerService, type Service, type ServiceHealth, startAll } from './service.js'
export { onShutdownSignal } from './signals.js'
