// Runs one vigil service in its own process for a benchmark, as `vigil start <service>` would,
// and on SIGTERM prints one JSON line with what its ClickHouse engine inserted (rows and
// uncompressed bytes, from system.events, the prefill's left out) and the time spent per ClickHouse query before stopping. With a prefill spec it first stores
// that many outcomes in its engine (as the joiner would have), then prints `ready`.
//   node --import tsx service-runner.ts <service> <config.json> [<prefill.json>]
import { readFileSync } from 'node:fs'
import { insertRows, OUTCOMES, PREDICTIONS, queryRows } from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { createDrift } from '@vigil/drift'
import { createFairness } from '@vigil/fairness'
import { createPerformance } from '@vigil/performance'
import { type ServiceFactory, startProcess } from '@vigil/runtime'
import { type OutcomeSpread, outcomeRow, predictionRow } from './outcome-rows.js'

const factories: Record<string, ServiceFactory> = {
  drift: createDrift,
  performance: createPerformance,
  fairness: createFairness,
}
const [name, configPath] = [process.argv[2]!, process.argv[3]!]
const config = JSON.parse(readFileSync(configPath, 'utf8')) as VigilConfig
const proc = await startProcess(config, [factories[name]!])
if (process.argv[4]) {
  const spec = JSON.parse(readFileSync(process.argv[4], 'utf8')) as OutcomeSpread & {
    from: number
    to: number
  }
  for (let start = spec.from; start < spec.to; start += 100_000) {
    const n = Math.min(100_000, spec.to - start)
    await insertRows(
      proc.deps.ch,
      OUTCOMES,
      Array.from({ length: n }, (_, k) => outcomeRow(start + k, spec)),
    )
    if (spec.predictions)
      await insertRows(
        proc.deps.ch,
        PREDICTIONS,
        Array.from({ length: n }, (_, k) => predictionRow(start + k, spec)),
      )
  }
}
const insertedSoFar = async () => {
  const events = await queryRows<{ event: string; value: number }>(
    proc.deps.ch,
    "SELECT event, value FROM system.events WHERE event IN ('InsertedRows', 'InsertedBytes')",
  )
  const get = (e: string) => Number(events.find((r) => r.event === e)?.value ?? 0)
  return { rows: get('InsertedRows'), bytes: get('InsertedBytes') }
}
// What the prefill inserted is not the service's.
const prefilled = await insertedSoFar()
process.stdout.write('ready\n')
process.once('SIGTERM', async () => {
  const inserted = await insertedSoFar()
  // Where the engine's time went: seconds and calls per query and insert, from the service's own histogram.
  const metric = await proc.deps.registry.getSingleMetric('vigil_clickhouse_query_duration_seconds')?.get()
  // A histogram's values carry the series name (_sum, _count, _bucket); the base type does not say so.
  const histogram = metric?.values as {
    labels: Record<string, unknown>
    value: number
    metricName?: string
  }[]
  const queries: Record<string, { seconds: number; calls: number }> = {}
  for (const v of histogram ?? []) {
    const name = String(v.labels.query)
    const q = queries[name] ?? { seconds: 0, calls: 0 }
    queries[name] = q
    if (v.metricName?.endsWith('_sum')) q.seconds += v.value
    if (v.metricName?.endsWith('_count')) q.calls += v.value
  }
  await proc.stop()
  process.stdout.write(
    `${JSON.stringify({
      insertedRows: inserted.rows - prefilled.rows,
      insertedBytes: inserted.bytes - prefilled.bytes,
      queries,
    })}\n`,
  )
  process.exit(0)
})
