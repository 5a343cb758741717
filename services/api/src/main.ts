// The HTTP API alone in its own process: config → clients → server → shutdown.
// `vigil start` runs it together with the other services in one process instead.
import { runServiceMain } from '@vigil/runtime'
import { createApi } from './service.js'

await runServiceMain('api', createApi, process.env)
