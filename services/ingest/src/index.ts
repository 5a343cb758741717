export { createIngest, type IngestDeps } from './service.js'
