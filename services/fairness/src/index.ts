export { createFairness, type FairnessDeps } from './service.js'
