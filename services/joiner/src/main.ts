// The joiner alone in its own process: config → clients → consumer loop → shutdown on signal.
// `vigil start` runs it together with the other services in one process instead.
import { runServiceMain } from '@vigil/runtime'
import { createJoiner } from './service.js'

await runServiceMain('joiner', createJoiner, process.env)
