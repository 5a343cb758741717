// The rules service alone in its own process: config → clients → consumer loop and outbox → shutdown.
// `vigil start` runs it together with the other services in one process instead.
import { runServiceMain } from '@vigil/runtime'
import { createRules } from './service.js'

await runServiceMain('rules', createRules, process.env)
