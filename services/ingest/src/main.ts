// The ingest service alone in its own process: config → clients → consumer loop → shutdown on signal.
// `vigil start` runs it together with the other services in one process instead.
import { runServiceMain } from '@vigil/runtime'
import { createIngest } from './service.js'

await runServiceMain('ingest', createIngest, process.env)
