// The fairness service alone in its own process: config → clients → consumer loop → shutdown.
// `vigil start` runs it together with the other services in one process instead.
import { runServiceMain } from '@vigil/runtime'
import { createFairness } from './service.js'

await runServiceMain('fairness', createFairness, process.env)
