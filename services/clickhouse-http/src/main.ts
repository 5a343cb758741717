// The served engine alone in its own process: config → the embedded engine → server → shutdown.
// `vigil start` runs it together with the other services in one process instead.
import { runServiceMain } from '@vigil/runtime'
import { createClickHouseHttp } from './service.js'

await runServiceMain('clickhouse-http', createClickHouseHttp, process.env)
