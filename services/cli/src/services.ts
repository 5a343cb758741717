import { createApi } from '@vigil/api'
import { createClickHouseHttp } from '@vigil/clickhouse-http'
import { createDrift } from '@vigil/drift'
import { createFairness } from '@vigil/fairness'
import { createIngest } from '@vigil/ingest-service'
import { createJoiner } from '@vigil/joiner'
import { createPerformance } from '@vigil/performance'
import { createRecorder } from '@vigil/recorder'
import { createRules } from '@vigil/rules'
import type { ServiceFactory } from '@vigil/runtime'

/** The services `vigil start` can run, by name; later services register here. */
export const SERVICES: Record<string, ServiceFactory> = {
  recorder: createRecorder,
  drift: createDrift,
  rules: createRules,
  joiner: createJoiner,
  performance: createPerformance,
  fairness: createFairness,
  ingest: createIngest,
  api: createApi,
  'clickhouse-http': createClickHouseHttp,
}
