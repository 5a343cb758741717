export { createPerformance, type PerformanceDeps } from './service.js'
