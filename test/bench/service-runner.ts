// Runs one vigil service in its own process for a benchmark, as `vigil start <service>` would,
// and on SIGTERM prints one JSON line with what its ClickHouse engine inserted (rows and
// uncompressed bytes, from system.events) before stopping.
//   node --import tsx service-runner.ts <service> <config.json>
import { readFileSync } from 'node:fs'
import { queryRows } from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { createDrift } from '@vigil/drift'
import { createFairness } from '@vigil/fairness'
import { createPerformance } from '@vigil/performance'
import { type ServiceFactory, startProcess } from '@vigil/runtime'

const factories: Record<string, ServiceFactory> = {
  drift: createDrift,
  performance: createPerformance,
  fairness: createFairness,
}
const [name, configPath] = [process.argv[2]!, process.argv[3]!]
const config = JSON.parse(readFileSync(configPath, 'utf8')) as VigilConfig
const proc = await startProcess(config, [factories[name]!])
process.once('SIGTERM', async () => {
  const events = await queryRows<{ event: string; value: number }>(
    proc.deps.ch,
    "SELECT event, value FROM system.events WHERE event IN ('InsertedRows', 'InsertedBytes')",
  )
  await proc.stop()
  const get = (e: string) => Number(events.find((r) => r.event === e)?.value ?? 0)
  process.stdout.write(
    `${JSON.stringify({ insertedRows: get('InsertedRows'), insertedBytes: get('InsertedBytes') })}\n`,
  )
  process.exit(0)
})
